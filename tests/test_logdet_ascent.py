"""App. B / Fig. 9 experiment: random layer stacks, exact log-det, success rate."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.evaluation import logdet_ascent as la
from tfflowgan.generators.logdet import log_abs_det_exact


def keras_network(stacks, k):
  """Network k of `stacks` rebuilt from Keras' own layers with its weights."""
  n, layers = stacks.n, [keras.Input((stacks.n,))]
  for l, kind in enumerate(la.LAYER_KINDS[i] for i in stacks.kinds[k]):
    if kind == "linear":
      dense = keras.layers.Dense(n)
      dense.build((None, n))
      dense.set_weights([stacks.kernel.numpy()[l, k], stacks.bias.numpy()[l, k]])
      layers.append(dense)
    elif kind == "conv":
      conv = keras.layers.Conv1D(1, 3, padding="same")
      conv.build((None, n, 1))
      conv.set_weights([stacks.taps.numpy()[l, k].reshape(3, 1, 1),
                        stacks.conv_bias.numpy()[l, k].reshape(1)])
      layers += [keras.layers.Reshape((n, 1)), conv, keras.layers.Reshape((n,))]
    elif kind == "leaky_relu":
      layers.append(keras.layers.LeakyReLU(la.LEAKY_SLOPE))
    else:
      norm = keras.layers.BatchNormalization(epsilon=la.BATCH_NORM_EPSILON)
      norm.build((None, n))
      norm.set_weights([stacks.gamma.numpy()[l, k], stacks.beta.numpy()[l, k],
                        np.zeros(n), np.ones(n)])
      layers.append(norm)
  return keras.Sequential(layers)


def perturbed_stacks(n, depth, num_networks, seed):
  """Stacks with non-trivial biases, batch-norm scales and shifts (not the
  initial 0 / 1), so the comparison sees every weight."""
  stacks = la.RandomLayerStacks(n, depth, num_networks, seed=seed)
  rng = np.random.default_rng(seed)
  for v, scale in [(stacks.bias, 0.3), (stacks.conv_bias, 0.3), (stacks.beta, 0.3)]:
    v.assign(rng.normal(0, scale, v.shape).astype("float32"))
  stacks.gamma.assign(rng.uniform(0.5, 2.0, stacks.gamma.shape).astype("float32"))
  return stacks


def test_stacks_match_keras_layers():
  stacks = perturbed_stacks(n=6, depth=12, num_networks=4, seed=3)
  assert set(stacks.kinds.ravel()) == set(range(len(la.LAYER_KINDS)))
  u = tf.random.stateless_normal([4 * 5, 6], seed=[0, 1])
  out = stacks(u).numpy().reshape(4, 5, 6)
  for k in range(4):
    ref = keras_network(stacks, k)(u[5 * k:5 * (k + 1)], training=False).numpy()
    np.testing.assert_allclose(out[k], ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [5, 12])  # row-by-row Jacobian (n <= 8) and batch_jacobian
def test_exact_logdet_matches_brute_force_slogdet(n):
  stacks = perturbed_stacks(n, depth=5, num_networks=2, seed=n)
  u = tf.random.stateless_normal([2 * 3, n], seed=[2, n])
  _, logdet = log_abs_det_exact(stacks, u)
  with tf.GradientTape() as tape:
    tape.watch(u)
    x = stacks(u)
  jac = tape.jacobian(x, u).numpy().astype(np.float64)  # [B, n, B, n], all pairs
  for i in range(u.shape[0]):
    others = np.delete(jac[i], i, axis=1)
    assert np.abs(others).max() == 0.0  # no example (nor network) sees another
    np.testing.assert_allclose(logdet[i], np.linalg.slogdet(jac[i, :, i, :])[1],
                               rtol=1e-4, atol=1e-3)


def test_draw_layer_kinds_never_gives_a_network_without_weights():
  kinds = la.draw_layer_kinds(400, 1, np.random.default_rng(0))
  assert not np.any(kinds == la.LAYER_KINDS.index("leaky_relu"))
  assert set(kinds.ravel()) == {0, 1, 3}


def test_success_rate_counts_strict_rises():
  values = [0.0, 1.0, 0.5, 0.5, 2.0]  # rise, fall, tie, rise
  assert la.success_rate(values) == pytest.approx(0.5)
  columns = np.stack([values, [3.0, 2.0, 1.0, 0.0, -1.0]], axis=1)
  np.testing.assert_allclose(la.success_rate(columns), [0.5, 0.0])


class ScaledRotation(keras.layers.Layer):
  """u -> s u Q, Q a fixed orthogonal matrix, s the only weight: J = s Q^T,
  so n log||J v|| = n log s = log|det J| for every unit v."""

  def __init__(self, n, scale, seed=0):
    super().__init__()
    q = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))[0]
    self.q = tf.constant(q, tf.float32)
    self.scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(scale))

  def call(self, u, training=False):
    return self.scale * tf.matmul(u, self.q)


@pytest.mark.parametrize("objective", sorted(la.OBJECTIVES))
def test_ascent_is_always_a_success_where_the_estimate_is_exact(objective):
  n, steps = 4, 12
  net = ScaledRotation(n, scale=0.7)
  trace = la.run_ascent(net, n, steps, batch_size=8, eval_size=4, learning_rate=0.05,
                        objective=objective)
  assert trace.true_logdet.shape == (steps + 1, 1)
  assert trace.success_rate[0] == 1.0
  # the estimate ascended at step t is exact, and the true value is read before it
  np.testing.assert_allclose(trace.estimate, trace.true_logdet[:-1], rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(trace.true_logdet[-1, 0], n * math.log(float(net.scale)),
                             rtol=1e-5)


def test_small_grid_gives_rates_and_a_finite_table():
  results = la.ascent_grid([8], [1], steps=4, num_networks=3, seed=1, eval_size=16)
  trace = results[8, 1]
  assert trace.true_logdet.shape == (5, 3) and trace.estimate.shape == (4, 3)
  assert np.all((trace.success_rate >= 0) & (trace.success_rate <= 1))
  assert np.all(np.isfinite(trace.true_logdet))
  table = la.format_tables(results)
  row = [line for line in table.splitlines() if line.startswith("| 8 |")]
  assert len(row) == 2
  numbers = [float(x) for line in row
             for x in line.replace("(min", " ").replace(")", " ").replace("|", " ")
             .replace("+-", " ").split()[1:]]
  assert len(numbers) == 5 and np.all(np.isfinite(numbers))
  assert numbers[0] == pytest.approx(100 * trace.success_rate.mean(), abs=0.05)
