"""Jacobian analysis on linear maps (numpy SVD route) and a nonlinear map (finite differences)."""

import numpy as np
import tensorflow as tf

from tfflowgan.evaluation import jacobian as jx


def _matrix(rng, m, n, s):
  u, _ = np.linalg.qr(rng.normal(size=(m, m)))
  v, _ = np.linalg.qr(rng.normal(size=(n, n)))
  d = np.zeros((m, n))
  d[np.arange(len(s)), np.arange(len(s))] = s
  return u @ d @ v.T


def test_square_linear_map_known_singular_values():
  rng = np.random.default_rng(0)
  s = np.array([3.0, 2.0, 1.0, 0.5, 0.1, 1e-3])
  a = _matrix(rng, 6, 6, s)
  at = tf.constant(a.T, tf.float32)
  g = lambda z: tf.reshape(tf.reshape(z, [-1, 6]) @ at, [-1, 3, 2])  # z [B,2,3] -> x [B,3,2]
  z = tf.random.normal([5, 2, 3], seed=1)
  out = jx.jacobian_summary(g, z, batch_size=2)
  assert tuple(out["jacobian_shape"]) == (6, 6)
  np.testing.assert_allclose(out["singular_values"], np.tile(s, (5, 1)), rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(out["condition_number"], 3e3, rtol=1e-3)
  expected_logdet = np.linalg.slogdet(a)[1]
  np.testing.assert_allclose(out["log_abs_det"], expected_logdet, atol=1e-4)
  np.testing.assert_allclose(out["log_abs_det_slogdet"], expected_logdet, atol=1e-4)
  np.testing.assert_array_equal(out["det_sign"], np.sign(np.linalg.det(a)))
  assert np.all(out["rank"] == 6)


def test_det_sign_of_a_fold():
  """g(z) = (z_1^2, z_2) folds the plane along z_1 = 0: det J = 2 z_1."""
  g = lambda z: tf.stack([z[:, 0] ** 2, z[:, 1]], axis=1)
  z = tf.constant([[-1.0, 0.3], [0.5, -2.0], [-0.2, 1.0], [2.0, 0.0]])
  out = jx.jacobian_summary(g, z)
  np.testing.assert_array_equal(out["det_sign"], [-1, 1, -1, 1])
  np.testing.assert_allclose(out["log_abs_det_slogdet"], np.log(2 * np.abs(z[:, 0])), rtol=1e-6)


def test_rank_deficient_and_non_square():
  rng = np.random.default_rng(1)
  s = np.array([2.0, 1.0, 0.0])
  a = _matrix(rng, 8, 3, s)  # x [B, 2, 4] from z [B, 3]
  at = tf.constant(a.T, tf.float32)
  g = lambda z: tf.reshape(z @ at, [-1, 2, 4])
  jac = jx.generator_jacobian(g, tf.random.normal([4, 3]))
  assert jac.shape == (4, 8, 3)
  sv = jx.singular_values(jac)
  np.testing.assert_allclose(sv[0], np.linalg.svd(a, compute_uv=False), atol=1e-5)
  assert np.all(jx.numerical_rank(sv, (8, 3)) == np.linalg.matrix_rank(a.astype(np.float32)))
  assert np.all(jx.numerical_rank(sv, (8, 3)) == 2)
  assert np.all(jx.condition_number(sv) > 1e5)
  out = jx.jacobian_summary(g, tf.random.normal([3, 3]))
  assert "log_abs_det_slogdet" not in out and out["rank_min"] == 2


def test_nonlinear_map_matches_finite_differences():
  rng = np.random.default_rng(2)
  w = rng.normal(size=(4, 5)) / 2
  wt = tf.constant(w, tf.float64)
  g_tf = lambda z: tf.tanh(z @ wt) + 0.1 * tf.concat([z, z[:, :1]], 1) ** 2
  g_np = lambda z: np.tanh(z @ w) + 0.1 * np.concatenate([z, z[:1]]) ** 2
  z = rng.normal(size=(3, 4))
  h = 1e-6
  # All 5 rows in one backward pass, and in passes of 2 rows (2 + 2 + 1).
  for rows in (None, 2):
    jac = jx.generator_jacobian(g_tf, tf.constant(z), rows_per_pass=rows).numpy()
    assert jac.shape == (3, 5, 4)
    for b in range(3):
      fd = np.stack([(g_np(z[b] + h * e) - g_np(z[b] - h * e)) / (2 * h)
                     for e in np.eye(4)], axis=1)  # [5, 4]
      np.testing.assert_allclose(jac[b], fd, rtol=1e-6, atol=1e-8)
