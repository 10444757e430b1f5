"""The Voronoi experts network g_n(u) = sum_k p_k(v) (c_k + A_k (v - m_k)),
v = 2 Phi(u) - 1, against numpy and brute-force Jacobians."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.special import erf
from scipy.stats import norm

from tfflowgan.data.spec import DataSpec
from tfflowgan.generators import logdet as ld
from tfflowgan.generators import oneway, voronoi_experts as ve


def network(width, seed, k=16, scale=0.5):
  """A network whose expert matrices are N(0, scale^2), so J is far from 0."""
  net = ve.voronoi_experts_network((2,), num_experts=k, gate_width=width, gate_seed=seed)
  head = net.layers[-1]
  rng = np.random.default_rng(seed)
  head.matrices.assign(scale * rng.standard_normal(head.matrices.shape).astype(np.float32))
  return net, net.layers[-2], head


def brute_force_slogdet(net, u):
  with tf.GradientTape() as tape:
    tape.watch(u)
    x = net(u)
  jac = tape.batch_jacobian(x, u).numpy().astype(np.float64)
  return np.linalg.slogdet(jac)[1]


def test_soft_gate_and_output_match_numpy_and_the_centres_never_train():
  net, gate, head = network(0.01, seed=3)
  assert not gate.trainable_weights and len(gate.non_trainable_weights) == 1
  m = gate.centers.numpy()
  assert np.abs(m).max() < 1.0  # uniform on the cube
  u = tf.random.stateless_normal([64, 2], seed=[4, 1])
  v = erf(u.numpy() / np.sqrt(2.0))
  logits = -0.5 * ((v[:, None, :] - m[None]) ** 2).sum(-1) / 0.01 ** 2
  p = np.exp(logits - logits.max(-1, keepdims=True))
  p /= p.sum(-1, keepdims=True)
  np.testing.assert_allclose(gate(tf.constant(v, tf.float32))[0].numpy(), p, atol=1e-4)
  np.testing.assert_array_equal(gate(tf.constant(m))[0].numpy().argmax(-1), np.arange(16))
  c, a = head.centers.numpy(), head.matrices.numpy()
  experts = c[None] + np.einsum("kij,bkj->bki", a, v[:, None, :] - m[None])
  np.testing.assert_allclose(net(u).numpy(), np.einsum("bk,bki->bi", p, experts), atol=1e-4)
  _, logdet = ld.log_abs_det_exact(net, u[:8])
  np.testing.assert_allclose(logdet.numpy(), brute_force_slogdet(net, u[:8]), atol=1e-3)
  with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.square(net(u)))
  grads = tape.gradient(loss, net.trainable_weights)
  keras.optimizers.SGD(0.1).apply(grads, net.trainable_weights)
  np.testing.assert_array_equal(gate.centers.numpy(), m)


def test_hard_gate_is_one_affine_map_per_cell():
  """gate_width 0: y = c_k + A_k (v - m_k) with k the nearest centre to v, and
  log|det J| = log|det A_k| + sum_i log(2 phi(u_i)) (the cube map's part)."""
  net, gate, head = network(0.0, seed=1)
  m, c, a = gate.centers.numpy(), head.centers.numpy(), head.matrices.numpy()
  u = tf.random.stateless_normal([200, 2], seed=[7, 7]).numpy()
  v = erf(u / np.sqrt(2.0))
  k = ((v[:, None, :] - m[None]) ** 2).sum(-1).argmin(-1)
  ref = c[k] + np.einsum("bij,bj->bi", a[k], v - m[k])
  np.testing.assert_allclose(net(tf.constant(u)).numpy(), ref, atol=1e-5)
  _, logdet = ld.log_abs_det_exact(net, tf.constant(u))
  expected = (np.linalg.slogdet(a[k].astype(np.float64))[1]
              + np.log(2 * norm.pdf(u.astype(np.float64))).sum(-1))
  np.testing.assert_allclose(logdet.numpy(), expected, atol=1e-3)


def test_far_latents_map_inside_the_experts_images_of_the_cube():
  net, gate, head = network(0.01, seed=2)
  m, c, a = gate.centers.numpy(), head.centers.numpy(), head.matrices.numpy()
  cube = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])
  corners = c[:, None] + np.einsum("kij,kqj->kqi", a, cube[None] - m[:, None])
  far = tf.constant([[30.0, -40.0], [-50.0, 5.0], [0.0, 60.0]])
  assert np.abs(net(far).numpy()).max() <= np.abs(corners).max() + 1e-4


def test_saves_loads_and_is_for_flat_data(tmp_path):
  net = ve.voronoi_experts_network((2,), num_experts=8, gate_seed=5, output_scale=4.0)
  path = str(tmp_path / "g.keras")
  net.save(path)
  back = keras.models.load_model(path)
  np.testing.assert_array_equal(back.layers[2].centers.numpy(), net.layers[2].centers.numpy())
  u = tf.random.stateless_normal([10, 2], seed=[1, 1])
  np.testing.assert_allclose(back(u).numpy(), net(u).numpy(), rtol=1e-6)
  with pytest.raises(ValueError, match="flat"):
    oneway.oneway_generator(DataSpec("img", (4, 4, 1), 256), network=ve.voronoi_experts_network)
  gen = oneway.oneway_generator(DataSpec("ring", (2,)), network=ve.voronoi_experts_network)
  assert isinstance(gen.network.layers[2], ve.FixedVoronoiGate)
