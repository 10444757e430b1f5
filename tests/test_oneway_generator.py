"""One-way flow generator: exact and JVP log-determinants (Ben-Dov et al. eq. 6-10)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.data.spec import DataSpec
from tfflowgan.generators import oneway


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
  x, logdet = oneway.log_abs_det_exact(net, u)
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
  _, logdet = oneway.log_abs_det_exact(net, tf.constant(u, tf.float32))
  assert abs(float(logdet[0]) - ref) < 2e-3


def test_one_sample_jvp_exact_for_scaled_rotation():
  # J = c Q: ||Jv|| = c for every unit v, so n log||Jv|| = n log c = log|det J|.
  n, c = 4, 1.7
  q = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))[0]
  net = keras.Sequential([keras.Input((n,)), keras.layers.Dense(n, use_bias=False)])
  net.layers[0].kernel.assign((c * q).astype(np.float32))
  _, logdet = oneway.log_abs_det_jvp(net, tf.random.normal([3, n]), 1)
  np.testing.assert_allclose(logdet.numpy(), n * np.log(c), atol=1e-4)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_many_sample_estimator_converges_to_exact(n):
  """-log mean_v ||Jv||^-n -> log|det J| (eq. 8). Measured max errors over 8
  points (seeded): K=10: 0.30 / 0.44 / 0.71 for n = 2 / 4 / 8; K=10000: 0.014 /
  0.022 / 0.20 (n = 8 has heavier tails). Tolerance at K = 10000: 0.05 n."""
  net = square_net(n, seed=n)
  u = 0.5 * tf.random.stateless_normal([8, n], seed=[2, n])
  _, exact = oneway.log_abs_det_exact(net, u)
  tf.random.set_seed(n)
  errors = {k: np.abs(oneway.log_abs_det_jvp(net, u, k)[1] - exact).mean()
            for k in (10, 10000)}
  assert errors[10000] < 0.05 * n
  assert errors[10000] < errors[10]


def test_one_sample_gradient_reaches_every_weight():
  """Eq. 12's log||Jv|| term: non-zero gradients for every weight that shapes
  J; the last bias does not change J and gets zeros, not None."""
  net = oneway.mlp_network(3, hidden=(8, 8), activation="tanh")
  u = tf.random.normal([16, 3])
  with tf.GradientTape() as tape:
    _, logdet = oneway.log_abs_det_jvp(net, u, 1)
    loss = -tf.reduce_mean(logdet)
  grads = tape.gradient(loss, oneway.tape_sources(net.trainable_variables),
                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
  assert all(g is not None for g in grads)
  *shaping, last_bias = zip(net.trainable_variables, grads)
  assert last_bias[0].path == net.layers[-1].bias.path
  np.testing.assert_array_equal(last_bias[1].numpy(), 0.0)
  for var, g in shaping:
    assert np.abs(g.numpy()).max() > 0, var.path


def test_exact_logdet_is_differentiable():
  gen = oneway.OneWayFlow(oneway.mlp_network(2, hidden=(8, 8), activation="tanh"), (2,), 2,
                         "exact")
  gen.build()
  with tf.GradientTape() as tape:
    _, log_p = gen.sample_with_log_prob(32, training=True)
    loss = tf.reduce_mean(log_p)
  grads = tape.gradient(loss, oneway.tape_sources(gen.trainable_variables),
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
  np.testing.assert_allclose(oneway.standard_normal_log_prob(u).numpy() - logdet.numpy(),
                             ref, rtol=1e-5)


def test_random_unit_vectors_on_sphere():
  v = oneway.random_unit_vectors([1000, 5])
  np.testing.assert_allclose(tf.norm(v, axis=-1).numpy(), 1.0, rtol=1e-5)
  assert np.abs(v.numpy().mean(0)).max() < 0.1


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
def test_dcgan_network_shapes_and_width(shape):
  net = oneway.dcgan_network(shape, base_filters=8)
  n = int(np.prod(shape))
  assert net.output.shape[1:] == shape
  oneway.check_min_width(net, n)  # filters are raised to keep >= n units


def test_min_width_check_rejects_bottleneck():
  with pytest.raises(ValueError, match="units"):
    oneway.mlp_network(4, hidden=(3,))


def test_jvp_generator_on_images_in_unit_interval():
  spec = DataSpec("digits", (8, 8, 1), 17)
  gen = oneway.oneway_generator(spec, network="dcgan", latent_dim=16, logdet="jvp",
                                logdet_samples=2)
  x, log_p = gen.sample_with_log_prob(4, training=True)
  assert x.shape == (4, 8, 8, 1)
  assert np.all((x.numpy() >= 0) & (x.numpy() <= 1))
  assert np.all(np.isfinite(log_p.numpy()))
  with pytest.raises(ValueError):
    oneway.OneWayFlow(oneway.mlp_network(2), (2,), 3)


def test_output_scale_adds_n_log_scale_and_critic_input_scale():
  """mlp_network(output_scale=c) = c * mlp_network(): same weights, log-det up
  by n log c; mlp_critic(input_scale=c)(x) = mlp_critic()(c x)."""
  from tfflowgan.critics.mlp import mlp_critic
  n, c = 2, 4.0
  keras.utils.set_random_seed(3)
  plain = oneway.mlp_network(n, hidden=(16, 16), activation="tanh")
  scaled = oneway.mlp_network(n, hidden=(16, 16), activation="tanh", output_scale=c)
  scaled.set_weights(plain.get_weights())
  u = tf.random.stateless_normal([5, n], seed=[2, 3])
  x0, ld0 = oneway.log_abs_det_exact(plain, u)
  x1, ld1 = oneway.log_abs_det_exact(scaled, u)
  np.testing.assert_allclose(x1.numpy(), c * x0.numpy(), rtol=1e-5)
  np.testing.assert_allclose(ld1.numpy(), ld0.numpy() + n * np.log(c), atol=1e-4)
  d0, d1 = mlp_critic((n,)), mlp_critic((n,), input_scale=1 / c)
  d1.set_weights(d0.get_weights())
  np.testing.assert_allclose(d1(x1).numpy(), d0(x0).numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_last_layer_is_a_soft_choice_among_learned_points():
  """mlp_network(last_activation='softmax'): y = W softmax(h(u)) + b. With the
  softmax logits scaled up (x1e4), almost every u maps to (near) one of the K rows of
  W shifted by b (all but the rare u near a tie of two logits; before the
  scaling, none does), and the exact log-det still matches numpy's slogdet."""
  n, k = 2, 6
  keras.utils.set_random_seed(6)
  net = oneway.mlp_network(n, hidden=(16, k), activation="tanh", last_activation="softmax")
  hidden = keras.Model(net.inputs, net.layers[-2].output)
  u = tf.random.stateless_normal([64, n], seed=[4, 2])
  probs = hidden(u).numpy()
  np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
  assert (probs > 0).all()
  gate, out = net.layers[-2], net.layers[-1]
  points = out.kernel.numpy() + out.bias.numpy()  # [k, n]
  near = lambda y: np.linalg.norm(y[:, None] - points[None], axis=-1).min(1) < (
      1e-3 * np.abs(points).max())
  assert near(net(u).numpy()).mean() < 0.05
  gate.kernel.assign(gate.kernel * 1e4)
  gate.bias.assign(gate.bias * 1e4)
  assert near(net(u).numpy()).mean() > 0.95
  gate.kernel.assign(gate.kernel / 1e4)
  gate.bias.assign(gate.bias / 1e4)
  _, logdet = oneway.log_abs_det_exact(net, u[:6])
  np.testing.assert_allclose(logdet.numpy(), full_jacobian_slogdet(net, u[:6]), atol=1e-3)
  plain = oneway.mlp_network(n, hidden=(16, k), activation="tanh")
  assert plain.layers[-2].activation is not keras.activations.softmax


def test_exact_logdet_of_singular_2d_jacobian_is_floored_and_differentiable():
  """A rank-1 2 x 2 Jacobian: log|det| is the floor log 1e-30 and its gradient
  is finite (slogdet's gradient would raise: the matrix is not invertible)."""
  net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
  net.layers[0].kernel.assign([[1.0, 2.0], [2.0, 4.0]])
  with tf.GradientTape() as tape:
    _, logdet = oneway.log_abs_det_exact(net, tf.ones([3, 2]))
    loss = tf.reduce_sum(logdet)
  np.testing.assert_allclose(logdet.numpy(), np.log(1e-30), rtol=1e-6)
  grads = tape.gradient(loss, oneway.tape_sources(net.trainable_variables),
                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
  assert all(np.isfinite(g.numpy()).all() for g in grads)


def test_uniform_input_maps_normal_to_unit_cube_and_adds_its_logdet():
  """mlp_network(uniform_input=True) = mlp_network() o (2 Phi(u) - 1): same
  weights, and log|det J| gains sum_i log(2 phi(u_i)) (scipy's normal pdf)."""
  from scipy.stats import norm
  n = 2
  layer = oneway.GaussianToUniform()
  u = tf.random.stateless_normal([2000, n], seed=[7, 1])
  v = layer(u).numpy()
  np.testing.assert_allclose(v, 2 * norm.cdf(u.numpy()) - 1, atol=1e-6)
  hist = np.histogram(v[:, 0], bins=4, range=(-1, 1))[0] / 2000
  np.testing.assert_allclose(hist, 0.25, atol=0.04)  # uniform
  keras.utils.set_random_seed(5)
  plain = oneway.mlp_network(n, hidden=(16, 8), activation="tanh", last_activation="softmax")
  unif = oneway.mlp_network(n, hidden=(16, 8), activation="tanh", last_activation="softmax",
                            uniform_input=True)
  unif.set_weights(plain.get_weights())
  x0, ld0 = oneway.log_abs_det_exact(plain, layer(u[:5]))
  x1, ld1 = oneway.log_abs_det_exact(unif, u[:5])
  np.testing.assert_allclose(x1.numpy(), x0.numpy(), rtol=1e-5, atol=1e-6)
  ref = ld0.numpy() + np.log(2 * norm.pdf(u[:5].numpy())).sum(-1)
  np.testing.assert_allclose(ld1.numpy(), ref, atol=1e-4)
  np.testing.assert_allclose(ld1.numpy(), full_jacobian_slogdet(unif, u[:5]), atol=1e-3)


def test_linear_experts_head_is_affine_within_a_saturated_cell():
  """mlp_network(linear_experts=True): y = sum_k p_k (c_k + A_k u) against a
  numpy evaluation of the same formula; with the gate saturated (logits x1000)
  the Jacobian at almost every u is one expert's A_k (log|det A_k|, finite),
  where the plain softmax head's log|det J| falls to its floor; the exact
  log-det matches the brute-force Jacobian's slogdet."""
  n, k = 2, 5
  keras.utils.set_random_seed(3)
  net = oneway.mlp_network(n, hidden=(16, k), activation="tanh", last_activation="softmax",
                           linear_experts=True, expert_scale=0.5)
  gate, head = net.layers[-2], net.layers[-1]
  assert isinstance(head, oneway.SoftmaxLinearExperts)
  u = tf.random.stateless_normal([64, n], seed=[9, 2])
  probs = keras.Model(net.inputs, gate.output)(u).numpy()
  c, a = head.centers.numpy(), head.matrices.numpy()
  ref = np.einsum("bk,bki->bi", probs, c[None] + np.einsum("kij,bj->bki", a, u.numpy()))
  np.testing.assert_allclose(net(u).numpy(), ref, rtol=1e-5, atol=1e-6)
  _, logdet = oneway.log_abs_det_exact(net, u[:6])
  np.testing.assert_allclose(logdet.numpy(), full_jacobian_slogdet(net, u[:6]), atol=1e-3)
  gate.kernel.assign(gate.kernel * 1000.0)
  gate.bias.assign(gate.bias * 1000.0)
  winner = keras.Model(net.inputs, gate.output)(u).numpy().argmax(-1)
  _, logdet = oneway.log_abs_det_exact(net, u)
  expected = np.linalg.slogdet(a[winner].astype(np.float64))[1]
  assert np.mean(np.abs(logdet.numpy() - expected) < 1e-2) > 0.9
  with pytest.raises(ValueError, match="softmax"):
    oneway.mlp_network(n, hidden=(16, k), linear_experts=True)


def test_linear_experts_network_saves_and_loads(tmp_path):
  net = oneway.mlp_network(2, hidden=(8, 4), activation="tanh", last_activation="softmax",
                           linear_experts=True, output_scale=4.0)
  path = str(tmp_path / "g.keras")
  net.save(path)
  back = keras.models.load_model(path)
  u = tf.random.stateless_normal([10, 2], seed=[1, 1])
  np.testing.assert_allclose(back(u).numpy(), net(u).numpy(), rtol=1e-6)


def test_first_layer_scale_spreads_the_gate_cells_away_from_the_origin():
  """first_layer_scale=s: first-layer W ~ N(0, s^2), b ~ U(-2s, 2s). With the
  default (Glorot weights, zero biases) the first tanh layer is nearly linear
  and the softmax gate's cells are cones meeting at z = 0: many argmax cells
  touch a small disc around the origin; with random features only a few do."""
  def cells_at_origin(scale, seed):
    keras.utils.set_random_seed(seed)
    net = oneway.mlp_network(2, hidden=(256, 256, 64), activation="tanh",
                             last_activation="softmax", linear_experts=True,
                             first_layer_scale=scale)
    first = net.layers[1]
    if scale is not None:
      w, b = first.kernel.numpy(), first.bias.numpy()
      assert abs(w.std() - scale) < 0.1 * scale and np.abs(b).max() <= 2 * scale
      assert b.std() > 0.5 * scale  # U(-2s, 2s) has std 1.15 s
    else:
      np.testing.assert_array_equal(first.bias.numpy(), 0.0)
    gate = keras.Model(net.inputs, net.layers[-2].output)
    z = np.random.default_rng(0).normal(size=(20000, 2)).astype(np.float32)
    z = z[np.linalg.norm(z, axis=1) < 0.3]
    return len(np.unique(gate(z).numpy().argmax(-1)))
  for seed in (0, 1):
    assert cells_at_origin(None, seed) >= 5
    assert cells_at_origin(2.0, seed) <= 2


def test_voronoi_experts_gate_is_fixed_and_every_cell_keeps_its_centre():
  """voronoi_experts_network: p = softmax(-|u - m_k|^2 / (2 s^2)) and
  y = sum_k p_k (c_k + A_k (u - m_k)) against numpy;
  the centres m_k are not trainable and get no gradient step; each m_k lies in
  its own cell (p_k(m_k) is the largest), so no cell is empty; the exact
  log-det matches the brute-force slogdet, and inside a cell J = A_k."""
  net = oneway.voronoi_experts_network(2, num_experts=16, gate_width=0.01, gate_seed=3,
                                       expert_scale=0.5, uniform_input=False)
  gate, head = net.layers[1], net.layers[2]
  assert isinstance(gate, oneway.FixedVoronoiGate)
  assert not gate.trainable_weights and len(gate.non_trainable_weights) == 1
  m = gate.centers.numpy()
  u = tf.random.stateless_normal([64, 2], seed=[4, 1])
  d2 = ((u.numpy()[:, None, :] - m[None]) ** 2).sum(-1)
  logits = -0.5 * d2 / 0.01 ** 2
  ref = np.exp(logits - logits.max(-1, keepdims=True))
  ref /= ref.sum(-1, keepdims=True)
  p, offsets = gate(u)
  np.testing.assert_allclose(p.numpy(), ref, atol=1e-5)
  np.testing.assert_allclose(offsets.numpy(), u.numpy()[:, None, :] - m[None], atol=1e-6)
  np.testing.assert_array_equal(gate(tf.constant(m))[0].numpy().argmax(-1), np.arange(16))
  c, a = head.centers.numpy(), head.matrices.numpy()
  experts = c[None] + np.einsum("kij,bkj->bki", a, u.numpy()[:, None, :] - m[None])
  np.testing.assert_allclose(net(u).numpy(), np.einsum("bk,bki->bi", ref, experts), atol=1e-5)
  _, logdet = oneway.log_abs_det_exact(net, u[:8])
  np.testing.assert_allclose(logdet.numpy(), full_jacobian_slogdet(net, u[:8]), atol=1e-3)
  _, at_centres = oneway.log_abs_det_exact(net, tf.constant(m))
  np.testing.assert_allclose(at_centres.numpy(), np.linalg.slogdet(a.astype(np.float64))[1],
                             atol=1e-3)
  with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.square(net(u)))
  grads = tape.gradient(loss, net.trainable_weights)
  keras.optimizers.SGD(0.1).apply(grads, net.trainable_weights)
  np.testing.assert_array_equal(gate.centers.numpy(), m)


def test_voronoi_experts_hard_gate_is_one_affine_map_per_cell():
  """gate_width=0: p = one_hot(argmin_k |u - m_k|), so y = c_k + A_k (u - m_k)
  and log|det J| = log|det A_k| at every point (no soft transitions)."""
  net = oneway.voronoi_experts_network(2, num_experts=16, gate_width=0.0, gate_seed=1,
                                       expert_scale=0.5, uniform_input=False)
  gate, head = net.layers[1], net.layers[2]
  m, c, a = gate.centers.numpy(), head.centers.numpy(), head.matrices.numpy()
  u = tf.random.stateless_normal([200, 2], seed=[7, 7])
  k = ((u.numpy()[:, None, :] - m[None]) ** 2).sum(-1).argmin(-1)
  ref = c[k] + np.einsum("bij,bj->bi", a[k], u.numpy() - m[k])
  np.testing.assert_allclose(net(u).numpy(), ref, atol=1e-5)
  _, logdet = oneway.log_abs_det_exact(net, u)
  np.testing.assert_allclose(logdet.numpy(), np.linalg.slogdet(a[k].astype(np.float64))[1],
                             atol=1e-4)


def test_voronoi_experts_on_the_cube_keep_every_expert_image_bounded():
  """uniform_input (default): gate and experts act on v = 2 Phi(u) - 1 in
  (-1, 1)^2 with centres uniform there, so even far latent points map inside
  the hull of the experts' images of the cube; with v = u an outer cell is
  unbounded and its expert maps the latent tail onto a long streak."""
  far = tf.constant([[30.0, -40.0], [-50.0, 5.0], [0.0, 60.0]])
  cube = tf.constant([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])
  for uniform, bounded in ((True, True), (False, False)):
    net = oneway.voronoi_experts_network(2, num_experts=16, gate_seed=2, expert_scale=0.5,
                                         uniform_input=uniform)
    gate, head = net.layers[-2], net.layers[-1]
    m = gate.centers.numpy()
    assert (np.abs(m).max() < 1.0) == uniform
    c, a = head.centers.numpy(), head.matrices.numpy()
    corners = c[:, None] + np.einsum("kij,kqj->kqi", a, cube.numpy()[None] - m[:, None])
    radius = np.abs(corners).max()
    assert (np.abs(net(far).numpy()).max() <= radius + 1e-4) == bounded
  z = tf.random.stateless_normal([6, 2], seed=[3, 3])
  _, logdet = oneway.log_abs_det_exact(net, z)
  np.testing.assert_allclose(logdet.numpy(), full_jacobian_slogdet(net, z), atol=1e-3)


def test_voronoi_experts_network_saves_and_loads(tmp_path):
  net = oneway.voronoi_experts_network(2, num_experts=8, gate_seed=5, output_scale=4.0)
  path = str(tmp_path / "g.keras")
  net.save(path)
  back = keras.models.load_model(path)
  np.testing.assert_array_equal(back.layers[2].centers.numpy(), net.layers[2].centers.numpy())
  u = tf.random.stateless_normal([10, 2], seed=[1, 1])
  np.testing.assert_allclose(back(u).numpy(), net(u).numpy(), rtol=1e-6)
  spec = DataSpec("ring", (2,))
  with pytest.raises(ValueError, match="flat"):
    oneway.oneway_generator(DataSpec("img", (4, 4, 1), 256), network="voronoi")
  assert isinstance(oneway.oneway_generator(spec, network="voronoi").network.layers[2],
                    oneway.FixedVoronoiGate)
