"""MLE objective: bits/dim accounting against a closed form, and model.fit."""

import math

import numpy as np
import tensorflow as tf
from scipy import stats

from tfflowgan.data import DataSpec, bits_per_dim, load_splits, make_batches
from tfflowgan.generators import realnvp
from tfflowgan.objectives import adam, flow_mle


def test_uniform_density_scores_log2_levels():
  # A uniform density on [0, 1]^D has log p = 0: exactly 8 bits/dim on 256 levels.
  assert float(bits_per_dim(tf.zeros([3]), 3072, 256)[0]) == 8.0
  np.testing.assert_allclose(float(bits_per_dim(0.0, 64, 17)), math.log2(17))


def test_bits_per_dim_of_a_fixed_model_matches_closed_form():
  # At initialisation every coupling is the identity, so the model is
  # x -> logit(a + (1 - 2a) x) -> N(0, 1): a closed form in scipy.
  spec = DataSpec("t", (4, 4, 1), 17)
  model = flow_mle(spec, generator=lambda s: realnvp(s, num_scales=1, final_couplings=1,
                                                     num_blocks=1, hidden=8))
  x = np.random.RandomState(0).uniform(0.02, 0.98, size=(6, 4, 4, 1)).astype(np.float32)
  a = 0.05
  p = a + (1 - 2 * a) * x
  z = np.log(p / (1 - p))
  log_p = (stats.norm.logpdf(z) + np.log(1 - 2 * a) - np.log(p) - np.log(1 - p)).sum((1, 2, 3))
  expected_bpd = -(log_p - 16 * np.log(17)) / (16 * np.log(2))
  got = model.evaluate(tf.data.Dataset.from_tensors(x), verbose=0, return_dict=True)
  np.testing.assert_allclose(got["bits_per_dim"], expected_bpd.mean(), rtol=1e-5)
  np.testing.assert_allclose(got["nll"], -(log_p - 16 * np.log(17)).mean(), rtol=1e-5)


def test_fit_trains_and_reports_train_and_validation_figures():
  s = load_splits("digits")
  train = make_batches(s.train, s.spec, 64, training=True, repeat=True)
  val = make_batches(s.validation, s.spec, 200, training=False)
  model = flow_mle(s.spec, generator=lambda spec: realnvp(spec, num_scales=1, final_couplings=1,
                                                          num_blocks=1, hidden=16),
                   optimizer=lambda: adam(learning_rate=3e-3))
  before = model.evaluate(val, verbose=0, return_dict=True)["bits_per_dim"]
  history = model.fit(train, epochs=2, steps_per_epoch=15, validation_data=val, verbose=0).history
  for key in ("nll", "bits_per_dim", "val_nll", "val_bits_per_dim"):
    assert len(history[key]) == 2 and np.all(np.isfinite(history[key]))
  assert history["val_bits_per_dim"][-1] < before - 0.5
