"""The machine's matmul peak in each precision and the model FLOPs of the
NICE and RealNVP training steps."""

import time

import tensorflow as tf

from tfflowgan.bijectors import coupling_specs

PEAK_SIZES = (512, 1024, 2048, 3072, 4096)


def matmul_flops(n: int, dtype=tf.float32, repeats: int = 10, shape=None) -> float:
  """FLOP/s of an n x n x n matmul (2 n^3 per product), or of an [m, k] x
  [k, n] one for shape = (m, k, n), in `dtype`; small products run 100 to a
  call so that call overhead is not timed."""
  m, k, n = shape or (n, n, n)
  a = tf.cast(tf.random.normal([m, k]), dtype)
  b = tf.cast(tf.random.normal([k, n]), dtype)
  inner = 100 if m * k * n < 2 ** 24 else 1
  mm = tf.function(lambda: tf.add_n([tf.linalg.matmul(a + float(i), b) for i in range(inner)]))
  mm().numpy()
  start = time.perf_counter()
  for _ in range(repeats):
    out = mm()
  out.numpy()
  return 2.0 * m * k * n * inner * repeats / (time.perf_counter() - start)


def matmul_peak(dtype=tf.float32, sizes=PEAK_SIZES):
  """(best FLOP/s over `sizes`, {n: FLOP/s}) in `dtype`."""
  by_size = {n: matmul_flops(n, dtype, repeats=max(3, int(2e10 / n ** 3))) for n in sizes}
  return max(by_size.values()), by_size


def realnvp_forward_flops(generator) -> float:
  """Forward FLOPs per example of the coupling networks of a `RealNVPGenerator`
  (3x3 convs: 2 * H * W * 9 * C_in * C_out each), from its architecture plan."""
  total = 0.0
  for spec, net in zip(coupling_specs(generator.plan), generator.nets):
    h, w, c = spec.shape
    hidden = net.conv_in.filters
    per_pixel = 9 * (c * hidden + 2 * len(net.blocks) * hidden * hidden + hidden * 2 * c)
    total += 2.0 * h * w * per_pixel
  return total


def nice_forward_flops(generator) -> float:
  """Forward FLOPs per example of NICE's coupling MLPs (2 * d_in * d_out per
  dense layer)."""
  total = 0.0
  for net in generator.nets:
    for layer in net.hidden + [net.out]:
      d_in, d_out = layer.kernel.shape
      total += 2.0 * d_in * d_out
  return total


def train_step_flops(generator, batch: int) -> float:
  """Model FLOPs of one MLE step: forward + backward ~ 3x forward."""
  forward = (realnvp_forward_flops(generator) if hasattr(generator, "plan")
             else nice_forward_flops(generator))
  return 3.0 * forward * batch


MATMUL_OPS = ("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall", "While", "StatelessWhile", "If",
            "StatelessIf", "Case", "StatelessCase")


def graph_matmul_flops(graph) -> float:
  """2 m k n summed over the matmuls of a traced graph (forward and gradient
  ops alike), from their static shapes. Raises if the graph calls functions or
  loops (their bodies are not counted) or a matmul's shape is not static."""
  total = 0.0
  for op in graph.get_operations():
    if op.type in CALL_OPS:
      raise ValueError(f"graph_matmul_flops: {op.type} {op.name} not counted")
    if op.type not in MATMUL_OPS:
      continue
    a, b = op.inputs[0].shape, op.inputs[1].shape
    if not (a.is_fully_defined() and b.is_fully_defined()):
      raise ValueError(f"graph_matmul_flops: {op.name} has shapes {a}, {b}")
    ta = op.get_attr("adj_x" if "Batch" in op.type else "transpose_a")
    tb = op.get_attr("adj_y" if "Batch" in op.type else "transpose_b")
    m, k = (a[-1], a[-2]) if ta else (a[-2], a[-1])
    n = b[-2] if tb else b[-1]
    batch = max(int(tf.TensorShape(a[:-2]).num_elements() or 1),
                int(tf.TensorShape(b[:-2]).num_elements() or 1))
    total += 2.0 * batch * m * k * n
  return total
