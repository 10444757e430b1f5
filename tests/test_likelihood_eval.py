"""Likelihood evaluation on closed-form models; non-finite values are counted."""

import math

import numpy as np
import tensorflow as tf

from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import likelihood


class Uniform:
  def log_prob(self, x):
    return tf.zeros([tf.shape(x)[0]])


class HalfCube:
  """Uniform on [0, 1/2]^D (density 2^D), -inf outside."""

  def log_prob(self, x):
    x = tf.reshape(x, [tf.shape(x)[0], -1])
    inside = tf.reduce_all(x <= 0.5, axis=1)
    d = tf.cast(tf.shape(x)[1], tf.float32)
    return tf.where(inside, d * math.log(2.0), -np.inf)


SPEC = DataSpec("digits", (8, 8, 1), levels=17)


def test_uniform_is_log2_levels_bits_per_dim():
  x = np.random.default_rng(0).uniform(size=(37, 8, 8, 1)).astype(np.float32)
  rep = likelihood.evaluate_log_likelihood(Uniform(), x, SPEC, batch_size=10)
  assert rep.count == 37 and rep.count_nonfinite == 0
  np.testing.assert_allclose(rep.bits_per_dim, math.log2(17), rtol=1e-12)
  np.testing.assert_allclose(rep.mean_bits_per_dim, math.log2(17))
  assert rep.mean_nll == 0.0 and rep.std_bits_per_dim_finite < 1e-12


def test_nonfinite_counted_not_dropped_and_dataset_input():
  x = np.full((10, 8, 8, 1), 0.25, np.float32)
  x[[2, 5, 7]] = 0.9
  ds = tf.data.Dataset.from_tensor_slices((x, np.arange(10))).batch(4)
  rep = likelihood.evaluate_log_likelihood(HalfCube(), ds, SPEC)
  assert rep.count == 10 and rep.count_nonfinite == 3
  assert np.isinf(rep.mean_bits_per_dim) and np.isinf(rep.mean_nll)
  assert np.sum(np.isinf(rep.bits_per_dim)) == 3
  np.testing.assert_allclose(rep.mean_bits_per_dim_finite, math.log2(17) - 1, rtol=1e-6)
  np.testing.assert_allclose(rep.mean_nll_finite, -64 * math.log(2), rtol=1e-6)


def test_histogram_png(tmp_path):
  a = likelihood.summarize_log_probs(np.random.default_rng(1).normal(-50, 5, 100), 64, 17)
  b = likelihood.summarize_log_probs(np.r_[np.full(20, -80.0), -np.inf], 64, 17)
  assert b.count_nonfinite == 1
  path = likelihood.save_nll_histogram({"mle": a, "wgan": b}, str(tmp_path / "h.png"))
  assert (tmp_path / "h.png").stat().st_size > 1000 and path.endswith("h.png")
