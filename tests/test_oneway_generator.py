"""One-way flow generator: exact and JVP log-determinants (Ben-Dov et al. eq. 6-10)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.data.spec import DataSpec
from tfflowgan.generators import logdet as ld
from tfflowgan.generators import oneway, oneway_networks as nets


def square_net(n, seed, layers=3):
  """A well-conditioned random g_n: orthogonal n x n kernels and tanh."""
  keras.utils.set_random_seed(seed)
  dense = [keras.layers.Dense(
      n, activation="tanh" if i < layers - 1 else None,
      kernel_initializer=keras.initializers.Orthogonal(seed=seed + i),
      bias_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=seed))
      for i in range(layers)]
  return keras.Sequential([keras.Input((n,))] + dense)


def full_jacobian_slogdet(net, u):
  """Independent reference: the full [B, n, B, n] Jacobian, numpy slogdet per block."""
  with tf.GradientTape() as tape:
    tape.watch(u)
    x = net(u)
  jac = tape.jacobian(x, u).numpy()
  return np.array([np.linalg.slogdet(jac[i, :, i, :].astype(np.float64))[1]
                   for i in range(u.shape[0])])


@pytest.mark.parametrize("n", [2, 5])
def test_exact_logdet_matches_numpy(n):
  net = square_net(n, seed=n)
  u = tf.random.stateless_normal([6, n], seed=[1, n])
  x, logdet = ld.log_abs_det_exact(net, u)
  np.testing.assert_allclose(x.numpy(), net(u).numpy(), rtol=1e-6)
  np.testing.assert_allclose(logdet.numpy(), full_jacobian_slogdet(net, u), atol=1e-4)


def test_exact_logdet_matches_finite_differences():
  net = square_net(2, seed=3)
  u = np.array([[0.3, -0.7]], np.float64)
  eps, cols = 1e-3, []
  f = lambda a: net(tf.constant(a, tf.float32)).numpy().astype(np.float64)[0]
  for j in range(2):
    e = np.zeros_like(u)
    e[0, j] = eps
    cols.append((f(u + e) - f(u - e)) / (2 * eps))
  ref = np.linalg.slogdet(np.stack(cols, 1))[1]
  _, logdet = ld.log_abs_det_exact(net, tf.constant(u, tf.float32))
  assert abs(float(logdet[0]) - ref) < 2e-3


def test_one_sample_jvp_exact_for_scaled_rotation():
  # J = c Q: ||Jv|| = c for every unit v, so n log||Jv|| = n log c = log|det J|.
  n, c = 4, 1.7
  q = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))[0]
  net = keras.Sequential([keras.Input((n,)), keras.layers.Dense(n, use_bias=False)])
  net.layers[0].kernel.assign((c * q).astype(np.float32))
  _, logdet = ld.log_abs_det_jvp(net, tf.random.normal([3, n]), 1)
  np.testing.assert_allclose(logdet.numpy(), n * np.log(c), atol=1e-4)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_many_sample_estimator_converges_to_exact(n):
  """-log mean_v ||Jv||^-n -> log|det J| (eq. 8). Measured max errors over 8
  points (seeded): K=10: 0.30 / 0.44 / 0.71 for n = 2 / 4 / 8; K=10000: 0.014 /
  0.022 / 0.20 (n = 8 has heavier tails). Tolerance at K = 10000: 0.05 n."""
  net = square_net(n, seed=n)
  u = 0.5 * tf.random.stateless_normal([8, n], seed=[2, n])
  _, exact = ld.log_abs_det_exact(net, u)
  tf.random.set_seed(n)
  errors = {k: np.abs(ld.log_abs_det_jvp(net, u, k)[1] - exact).mean()
            for k in (10, 10000)}
  assert errors[10000] < 0.05 * n
  assert errors[10000] < errors[10]


def test_one_sample_gradient_reaches_every_weight():
  """Eq. 12's log||Jv|| term: non-zero gradients for every weight that shapes
  J; the last bias does not change J and gets zeros, not None."""
  net = nets.mlp_network((3,), hidden=(8, 8), activation="tanh")
  u = tf.random.normal([16, 3])
  with tf.GradientTape() as tape:
    _, logdet = ld.log_abs_det_jvp(net, u, 1)
    loss = -tf.reduce_mean(logdet)
  grads = tape.gradient(loss, ld.tape_sources(net.trainable_variables),
                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
  assert all(g is not None for g in grads)
  *shaping, last_bias = zip(net.trainable_variables, grads)
  last_dense = [layer for layer in net.layers if hasattr(layer, "bias")][-1]
  assert last_bias[0].path == last_dense.bias.path
  np.testing.assert_array_equal(last_bias[1].numpy(), 0.0)
  for var, g in shaping:
    assert np.abs(g.numpy()).max() > 0, var.path


def test_exact_logdet_is_differentiable():
  gen = oneway.OneWayFlow(nets.mlp_network((2,), hidden=(8, 8), activation="tanh"), (2,), 2,
                         "exact")
  gen.build()
  with tf.GradientTape() as tape:
    _, log_p = gen.sample_with_log_prob(32, training=True)
    loss = tf.reduce_mean(log_p)
  grads = tape.gradient(loss, ld.tape_sources(gen.trainable_variables),
                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
  assert sum(float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads) >= len(grads) - 1


def test_log_prob_is_latent_and_noise_minus_logdet():
  """Eq. 10: log P_G = log N(z) + log N(r) - log|det J| with u = (z, r)."""
  gen = oneway.OneWayFlow(square_net(4, seed=7), (4,), latent_dim=2, logdet="exact")
  gen.build()
  z = tf.random.normal([5, 2])
  x, log_p = gen.sample_with_log_prob(5, z=z)
  assert x.shape == (5, 4) and log_p.shape == (5,)
  u = gen.sample_inputs(3, seed=tf.constant([3, 4]))
  np.testing.assert_array_equal(u.numpy(), gen.sample_inputs(3, seed=tf.constant([3, 4])).numpy())
  _, logdet = gen.forward_with_logdet(u)
  ref = -0.5 * (u.numpy() ** 2).sum(1) - 2 * np.log(2 * np.pi) - logdet.numpy()
  np.testing.assert_allclose(ld.standard_normal_log_prob(u).numpy() - logdet.numpy(),
                             ref, rtol=1e-5)


def test_random_unit_vectors_on_sphere():
  v = ld.random_unit_vectors([1000, 5])
  np.testing.assert_allclose(tf.norm(v, axis=-1).numpy(), 1.0, rtol=1e-5)
  assert np.abs(v.numpy().mean(0)).max() < 0.1


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
def test_dcgan_network_shapes_and_width(shape):
  net = nets.dcgan_network(shape, base_filters=8)
  n = int(np.prod(shape))
  assert net.output.shape[1:] == shape
  oneway.check_min_width(net, n)  # filters are raised to keep >= n units


def test_min_width_check_rejects_bottleneck():
  with pytest.raises(ValueError, match="units"):
    nets.mlp_network((4,), hidden=(3,))


def test_jvp_generator_on_images_in_unit_interval():
  spec = DataSpec("digits", (8, 8, 1), 17)
  gen = oneway.oneway_generator(spec, network=nets.dcgan_network, latent_dim=16, logdet="jvp",
                                logdet_samples=2)
  x, log_p = gen.sample_with_log_prob(4, training=True)
  assert x.shape == (4, 8, 8, 1)
  assert np.all((x.numpy() >= 0) & (x.numpy() <= 1))
  assert np.all(np.isfinite(log_p.numpy()))
  with pytest.raises(ValueError):
    oneway.OneWayFlow(nets.mlp_network((2,)), (2,), 3)


def test_output_scale_adds_n_log_scale_and_critic_input_scale():
  """mlp_network(output_scale=c) = c * mlp_network(): same weights, log-det up
  by n log c; mlp_critic(input_scale=c)(x) = mlp_critic()(c x)."""
  from tfflowgan.critics.mlp import mlp_critic
  n, c = 2, 4.0
  keras.utils.set_random_seed(3)
  plain = nets.mlp_network((n,), hidden=(16, 16), activation="tanh")
  scaled = nets.mlp_network((n,), hidden=(16, 16), activation="tanh", output_scale=c)
  scaled.set_weights(plain.get_weights())
  u = tf.random.stateless_normal([5, n], seed=[2, 3])
  x0, ld0 = ld.log_abs_det_exact(plain, u)
  x1, ld1 = ld.log_abs_det_exact(scaled, u)
  np.testing.assert_allclose(x1.numpy(), c * x0.numpy(), rtol=1e-5)
  np.testing.assert_allclose(ld1.numpy(), ld0.numpy() + n * np.log(c), atol=1e-4)
  d0, d1 = mlp_critic((n,)), mlp_critic((n,), input_scale=1 / c)
  d1.set_weights(d0.get_weights())
  np.testing.assert_allclose(d1(x1).numpy(), d0(x0).numpy(), rtol=1e-5, atol=1e-6)


def test_exact_logdet_of_singular_2d_jacobian_is_floored_and_differentiable():
  """A rank-1 2 x 2 Jacobian: log|det| is the floor log 1e-30 and its gradient
  is finite (slogdet's gradient would raise: the matrix is not invertible)."""
  net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
  net.layers[0].kernel.assign([[1.0, 2.0], [2.0, 4.0]])
  with tf.GradientTape() as tape:
    _, logdet = ld.log_abs_det_exact(net, tf.ones([3, 2]))
    loss = tf.reduce_sum(logdet)
  np.testing.assert_allclose(logdet.numpy(), np.log(1e-30), rtol=1e-6)
  grads = tape.gradient(loss, ld.tape_sources(net.trainable_variables),
                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
  assert all(np.isfinite(g.numpy()).all() for g in grads)
