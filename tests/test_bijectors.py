"""Every bijector: inverse(forward(x)) == x and log-det == slogdet of the
brute-force Jacobian (tf.GradientTape.batch_jacobian)."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tfflowgan import bijectors as B
from tfflowgan.data import DataSpec
from tfflowgan.generators import nice, realnvp

tfb = tfp.bijectors


def _perturb(layer, scale=0.1, seed=0):
  """Moves every weight off its (identity-making) initial value."""
  rng = np.random.RandomState(seed)
  for w in layer.trainable_weights:
    w.assign(w.numpy() + scale * rng.randn(*w.shape).astype(np.float32))


def _brute_force_logdet(fn, x):
  x = tf.identity(x)
  with tf.GradientTape() as tape:
    tape.watch(x)
    y = fn(x)
  jac = tape.batch_jacobian(y, x)
  n = int(np.prod(x.shape[1:]))
  return tf.linalg.slogdet(tf.reshape(jac, [x.shape[0], n, n]))


def _check(bij, x, event_ndims, atol_logdet=1e-3):
  y = bij.forward(tf.identity(x))
  x_back = bij.inverse(tf.identity(y))  # identity: no TFP cache hit
  np.testing.assert_allclose(x_back.numpy(), x.numpy(), atol=1e-4)
  sign, logdet = _brute_force_logdet(bij.forward, x)
  assert np.all(sign.numpy() > 0)
  np.testing.assert_allclose(
      bij.forward_log_det_jacobian(tf.identity(x), event_ndims=event_ndims).numpy()
      * np.ones(x.shape[0]), logdet.numpy(), rtol=1e-4, atol=atol_logdet)
  # The inverse log-det is the negative at the image.
  np.testing.assert_allclose(
      bij.inverse_log_det_jacobian(tf.identity(y), event_ndims=len(y.shape) - 1).numpy()
      * np.ones(x.shape[0]), -logdet.numpy(), rtol=1e-4, atol=atol_logdet)


class _RandomConvNet(tf.keras.layers.Layer if False else object):
  """A fixed random nonlinear (shift, log_scale) function of the masked input."""

  def __init__(self, channels, seed):
    rng = np.random.RandomState(seed)
    self.w1 = tf.constant(rng.randn(3, 3, channels, 8).astype(np.float32) * 0.3)
    self.w2 = tf.constant(rng.randn(3, 3, 8, 2 * channels).astype(np.float32) * 0.3)
    self.c = channels

  def __call__(self, x):
    h = tf.tanh(tf.nn.conv2d(x, self.w1, 1, "SAME"))
    out = tf.nn.conv2d(h, self.w2, 1, "SAME")
    return out[..., :self.c], tf.tanh(out[..., self.c:])


@pytest.mark.parametrize("mask", ["checkerboard", "channel"])
@pytest.mark.parametrize("parity", [0, 1])
def test_affine_coupling(mask, parity):
  shape = (4, 4, 2)
  make = B.checkerboard_mask if mask == "checkerboard" else B.channel_mask
  bij = B.AffineCoupling(make(shape, parity), _RandomConvNet(2, seed=parity))
  x = tf.random.normal([3, *shape], seed=1)
  _check(bij, x, 3)
  y, log_det = bij.forward_and_log_det(tf.identity(x))  # the fused one-pass route
  np.testing.assert_allclose(y.numpy(), bij.forward(tf.identity(x)).numpy(), atol=1e-6)
  np.testing.assert_allclose(log_det.numpy(), _brute_force_logdet(bij.forward, x)[1].numpy(),
                             rtol=1e-4, atol=1e-3)


def test_masks_partition_the_units():
  cb0, cb1 = B.checkerboard_mask((4, 4, 3), 0), B.checkerboard_mask((4, 4, 3), 1)
  np.testing.assert_array_equal(cb0 + cb1, np.ones((4, 4, 3)))
  assert cb0[0, 0, 0] == 1 and cb0[0, 1, 0] == 0 and cb0[1, 1, 2] == 1
  ch0 = B.channel_mask((2, 2, 4), 0)
  np.testing.assert_array_equal(ch0[0, 0], [1, 1, 0, 0])
  with pytest.raises(ValueError, match="2 channels"):
    B.channel_mask((2, 2, 1), 0)


@pytest.mark.parametrize("parity", [0, 1])
def test_additive_coupling(parity):
  rng = np.random.RandomState(parity)
  d = 7
  w = tf.constant(rng.randn(d - d // 2 if parity == 0 else d // 2,
                            d // 2 if parity == 0 else d - d // 2).astype(np.float32))
  bij = B.AdditiveCoupling(d, parity, lambda x1: tf.sin(x1 @ w))
  x = tf.random.normal([4, d], seed=2)
  y = bij.forward(x)
  # The conditioning half is untouched.
  np.testing.assert_array_equal(y.numpy()[:, parity::2], x.numpy()[:, parity::2])
  _check(bij, x, 1)


def test_diagonal_scale():
  log_scale = tf.Variable(np.linspace(-1, 1, 6).astype(np.float32))
  bij = B.DiagonalScale(log_scale)
  _check(bij, tf.random.normal([3, 6], seed=3), 1)


def test_squeeze():
  x = tf.reshape(tf.range(2 * 4 * 4 * 2, dtype=tf.float32), [2, 4, 4, 2])
  bij = B.Squeeze()
  y = bij.forward(x)
  assert y.shape == (2, 2, 2, 8)
  # y[b, i, j, :] holds the 2x2 block at (2i, 2j).
  np.testing.assert_array_equal(sorted(y.numpy()[0, 1, 0]),
                                sorted(x.numpy()[0, 2:4, 0:2].ravel()))
  _check(bij, x + tf.random.normal(x.shape, seed=4), 3)


@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_logit(alpha):
  x = tf.random.uniform([3, 2, 2, 2], 0.05, 0.95, seed=5)
  bij = B.Logit(alpha)
  _check(bij, x, 3)
  p = alpha + (1 - 2 * alpha) * x.numpy()
  np.testing.assert_allclose(bij.forward(x).numpy(), np.log(p / (1 - p)), rtol=1e-5)


@pytest.mark.parametrize("num_scales,shape", [(0, (4, 4, 1)), (1, (4, 4, 1)), (2, (4, 4, 2))])
def test_multiscale_chain(num_scales, shape):
  spec = DataSpec("t", shape, 256)
  gen = realnvp(spec, num_scales=num_scales, final_couplings=2, num_blocks=1, hidden=8,
                logit_alpha=0.05)
  gen.build()
  _perturb(gen)
  x = tf.random.uniform([2, *shape], 0.05, 0.95, seed=6)
  _check(gen.bijector, x, 3)
  assert gen.encode(x).shape == (2, int(np.prod(shape)))


def test_multiscale_plan_counts_and_errors():
  # NVP1/2/3 of Danihelka et al.: 7, 13 and 19 couplings.
  for scales, count in [(1, 7), (2, 13), (3, 19)]:
    plan = B.multiscale_plan((32, 32, 3), scales, final_couplings=1)
    assert len(B.coupling_specs(plan)) == count
  with pytest.raises(ValueError, match="num_scales=2 is impossible"):
    B.multiscale_plan((6, 6, 1), 2)


def test_nice_chain():
  spec = DataSpec("t", (3, 3, 1), 256)
  gen = nice(spec, hidden=16, num_layers=2)
  gen.build()
  _perturb(gen)
  x = tf.random.uniform([3, 3, 3, 1], 0.05, 0.95, seed=7)
  _check(gen.bijector, x, 3)
  # Additive couplings are volume preserving: log-det = sum of the log-scales.
  np.testing.assert_allclose(
      gen.bijector.forward_log_det_jacobian(x, event_ndims=3).numpy(),
      np.full(3, gen.log_scale.numpy().sum()), rtol=1e-5)


def test_distribution_log_prob_matches_change_of_variables():
  spec = DataSpec("t", (4, 4, 1), 256)
  gen = realnvp(spec, num_scales=1, final_couplings=1, num_blocks=1, hidden=8)
  gen.build()
  _perturb(gen)
  x = tf.random.uniform([5, 4, 4, 1], 0.05, 0.95, seed=8)
  z = gen.encode(tf.identity(x)).numpy()
  _, logdet = _brute_force_logdet(gen.bijector.forward, x)
  expected = (-0.5 * (z ** 2).sum(1) - 0.5 * 16 * np.log(2 * np.pi)) + logdet.numpy()
  np.testing.assert_allclose(gen.log_prob(tf.identity(x)).numpy(), expected, rtol=1e-4, atol=1e-3)
  np.testing.assert_allclose(gen.distribution.log_prob(tf.identity(x)).numpy(), expected,
                             rtol=1e-4, atol=1e-3)
  samples = gen.sample(3, seed=tf.constant([1, 2]))
  assert samples.shape == (3, 4, 4, 1)
  # The logit's inverse maps R onto (-a, 1 + a) / (1 - 2a) for alpha a = 0.05.
  lo, hi = -0.05 / 0.9, 0.95 / 0.9
  assert np.all((samples.numpy() > lo) & (samples.numpy() < hi))
