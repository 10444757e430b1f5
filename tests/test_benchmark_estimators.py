"""The benchmark's three log-det routes agree: Jv by forward mode == by double
VJP == J @ v from the full Jacobian; exact log-det == numpy slogdet."""

import numpy as np
import tensorflow as tf

from benchmarks import logdet, peak


def test_jv_routes_and_exact_logdet_agree():
  n = 6
  g = logdet.mlp_generator(n, depth=2, seed=3)
  z = tf.random.normal([3, n], seed=4)
  v = tf.math.l2_normalize(tf.random.normal([3, n], seed=5), axis=-1)
  with tf.GradientTape() as tape:
    tape.watch(z)
    y = g(z)
  jac = tape.batch_jacobian(y, z).numpy()
  expected = np.einsum("bij,bj->bi", jac, v.numpy())
  np.testing.assert_allclose(logdet.jv_forward_accumulator(g, z, v).numpy(), expected, atol=1e-5)
  np.testing.assert_allclose(logdet.jv_double_vjp(g, z, v).numpy(), expected, atol=1e-5)
  np.testing.assert_allclose(logdet.logdet_exact(g, z).numpy(),
                             np.linalg.slogdet(jac.astype(np.float64))[1], atol=1e-4)


def test_realnvp_flop_count_matches_hand_count():
  from tfflowgan.data import DataSpec
  from tfflowgan.generators import realnvp
  gen = realnvp(DataSpec("t", (4, 4, 1), 256), num_scales=0, final_couplings=1,
                num_blocks=1, hidden=8)
  # One coupling on 4x4x1: conv 1->8, two convs 8->8, conv 8->2, all 3x3.
  per_pixel_macs = 9 * (1 * 8 + 2 * 8 * 8 + 8 * 2)
  assert peak.realnvp_forward_flops(gen) == 2 * 16 * per_pixel_macs


def test_export_benchmark_times_the_same_numbers():
  from benchmarks import export_bench
  out = export_bench.run(quick=True, batch=8, repeats=1)
  assert out["max_abs_gap_nats"] < 1e-3 * 64  # checked before timing
  for key in ("in_memory_ex_per_s", "in_memory_raw_ex_per_s", "saved_model_ex_per_s"):
    assert out[key] > 0
  assert out["ratio"] == out["saved_model_ex_per_s"] / out["in_memory_ex_per_s"]


def test_nice_flop_count_matches_hand_count():
  from tfflowgan.data import DataSpec
  from tfflowgan.generators import nice
  gen = nice(DataSpec("t", (2, 2, 1), 256), num_couplings=2, hidden=8, num_layers=2)
  gen.build()
  # Two couplings on 4 inputs, each 2 -> 8 -> 8 -> 2 dense layers.
  assert peak.nice_forward_flops(gen) == 2 * 2 * (2 * 8 + 8 * 8 + 8 * 2)


def test_graph_matmul_flops_counts_forward_and_gradient_matmuls():
  w = tf.Variable(tf.ones([3, 5]))

  @tf.function
  def step(x):
    with tf.GradientTape() as tape:
      y = tf.reduce_sum(tf.matmul(x, w) @ tf.ones([5, 2]))
    return tape.gradient(y, w)

  graph = step.get_concrete_function(tf.TensorSpec([4, 3])).graph
  # Forward 4x3 @ 3x5 and 4x5 @ 5x2; backward dW = x^T (4x3 -> 3x4 @ 4x5) and
  # d(xw) = dY @ ones^T (4x2 @ 2x5); d(ones) is not asked for and not built.
  expected = 2 * (4 * 3 * 5 + 4 * 5 * 2 + 3 * 4 * 5 + 4 * 2 * 5)
  assert peak.graph_matmul_flops(graph) == expected
