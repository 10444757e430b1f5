"""The machine's float32 matmul peak and the model FLOPs of a RealNVP step."""

import time

import tensorflow as tf

from tfflowgan.bijectors import coupling_specs


def matmul_peak_flops(n: int = 2048, repeats: int = 10) -> float:
  """FLOP/s of a large float32 matmul (2 n^3 per product), in this process."""
  a = tf.random.normal([n, n])
  b = tf.random.normal([n, n])
  mm = tf.function(lambda: tf.linalg.matmul(a, b))
  mm().numpy()
  start = time.perf_counter()
  for _ in range(repeats):
    out = mm()
  out.numpy()
  return 2.0 * n ** 3 * repeats / (time.perf_counter() - start)


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


def train_step_flops(generator, batch: int) -> float:
  """Model FLOPs of one MLE step: forward + backward ~ 3x forward."""
  return 3.0 * realnvp_forward_flops(generator) * batch
