"""log|det J| of a network g_n: R^n -> R^n at u (Ben-Dov et al. eq. 6, 8-10).

- `log_abs_det_exact`: slogdet of the full Jacobian from
  `tf.GradientTape.batch_jacobian` (n x n per example; written out for n = 2).
  A pass over B examples runs B x n vectorized reverse passes;
  `exact_chunk_size(n)` is the B that keeps them to `EXACT_JACOBIAN_ROWS`.
- `log_abs_det_jvp`: eq. 8, |det J|^-1 = E_v[||J v||^-n], v uniform on the unit
  sphere, Jv by forward-mode autodiff (`tf.autodiff.ForwardAccumulator`). With
  K directions the estimate is -log mean_k ||J v_k||^-n (consistent as K
  grows); K = 1 gives the one-sample form n log||Jv||, which by Jensen's
  inequality over-estimates log|det J| on average. The paper's eq. 9 writes
  log|J| ~ log||Jv|| (no factor n); here the estimate is of log|det J| itself,
  exact when J is a scaled rotation, so a paper w for images is w / n here.

Both are differentiable w.r.t. the network weights under an outer
`tf.GradientTape`. With batch normalization in training mode the examples of
a batch are coupled through its statistics, and J includes that coupling.
"""

import math

import tensorflow as tf

SMALL_N = 8  # up to this n the Jacobian is built row by row
# Reverse passes per batch_jacobian call at evaluation (memory bound): two
# examples a call at n = 784, one at n >= 2048.
EXACT_JACOBIAN_ROWS = 2048


def standard_normal_log_prob(u):
  """log N(u; 0, I) summed over the last axis: eq. 7's log P(z) + log P(r)."""
  n = tf.cast(tf.shape(u)[-1], u.dtype)
  return -0.5 * tf.reduce_sum(tf.square(u), axis=-1) - 0.5 * n * math.log(2 * math.pi)


def tape_sources(variables):
  """The tf.Variables behind Keras 3 variables, for `tape.gradient(...,
  unconnected_gradients=tf.UnconnectedGradients.ZERO)`: TF builds the zeros
  from each source's dtype, which is a string on a Keras variable (fails)."""
  return [getattr(v, "value", v) for v in variables]


def random_unit_vectors(shape, dtype=tf.float32, seed=None):
  """v uniform on the unit sphere S^{n-1}: normalized Gaussians, shape [..., n];
  seed: optional stateless seed [2]."""
  v = (tf.random.normal(shape, dtype=dtype) if seed is None
       else tf.random.stateless_normal(shape, seed=seed, dtype=dtype))
  return v / tf.norm(v, axis=-1, keepdims=True)


def exact_chunk_size(n: int) -> int:
  """Examples per `log_abs_det_exact` call so that B x n <= EXACT_JACOBIAN_ROWS."""
  return max(1, EXACT_JACOBIAN_ROWS // int(n))


def log_abs_det_exact(fn, u, training=False):
  """(x, log|det d fn(u)/du|): slogdet of the n x n Jacobian of each example.

  Row i of J is the gradient of sum_b x[b, i] with respect to u (what
  `batch_jacobian` computes): for n <= 8 as n reverse passes of one
  persistent tape (no parallel-for loop, several times faster at n = 2 and
  nested under an outer tape), else by `batch_jacobian`. For n = 2 the
  determinant is written out, J00 J11 - J01 J10, and |det| is floored at 1e-30
  (log|det| >= -69): a numerically singular Jacobian then gives a finite value
  and gradient, where slogdet's gradient (a matrix inverse) raises. For
  n > 2 the LU factorization of slogdet runs in float64.
  """
  n = u.shape[-1]
  with tf.GradientTape(persistent=n <= SMALL_N) as tape:
    tape.watch(u)
    x = fn(u, training=training)
    flat = tf.reshape(x, [tf.shape(u)[0], -1])
    rows = [flat[:, i] for i in range(n)] if n <= SMALL_N else None
  if rows is None:
    jac = tape.batch_jacobian(flat, u)
  else:
    jac = tf.stack([tape.gradient(row, u) for row in rows], axis=1)
  if n == 2:
    det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
    return x, tf.math.log(tf.maximum(tf.abs(det), 1e-30))
  _, logdet = tf.linalg.slogdet(tf.cast(jac, tf.float64))
  return x, tf.cast(logdet, u.dtype)


def log_abs_det_jvp(fn, u, num_directions: int = 1, training=False, seed=None):
  """(x, estimate of log|det J|) from eq. 8 with K = num_directions directions.

  K = 1: n log||Jv||; K > 1: -log mean_k ||J v_k||^-n (u tiled K times, one
  forward-mode pass). seed: optional stateless seed [2] of the directions.
  """
  batch, n = tf.shape(u)[0], u.shape[-1]
  k = int(num_directions)
  uk = u if k == 1 else tf.tile(u, [k, 1])  # [K * B, n], direction-major
  v = random_unit_vectors(tf.shape(uk), u.dtype, seed)
  with tf.autodiff.ForwardAccumulator(primals=uk, tangents=v) as acc:
    xk = fn(uk, training=training)
  jv = tf.reshape(acc.jvp(xk), [tf.shape(uk)[0], -1])
  log_norm = tf.math.log(tf.norm(jv, axis=-1))  # log||Jv||, [K * B]
  if k == 1:
    return xk, float(n) * log_norm
  log_norm = tf.reshape(log_norm, [k, batch])
  logdet = -(tf.reduce_logsumexp(-float(n) * log_norm, axis=0) - math.log(k))
  return xk[:batch], logdet
