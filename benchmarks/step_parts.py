"""Where a training step's time goes, side by side in one run:

- ms for the forward pass (log-density), forward + backward (gradients) and
  the whole `train_step` (+ the optimizer update) of NICE at Flow-GAN's
  MNIST shape (batch 100) and of `configs/realnvp_digits_mle.gin`'s RealNVP
  (batch 64), each in float32 and under 'mixed_bfloat16', with TensorFlow's
  default intra-op threads (every core) and with one (`train.intra_op_threads`;
  a fresh process per row);
- memory bandwidth: the optimizer part of the NICE step as GB/s (Adam reads
  the gradient, m, v and the weight and writes m, v and the weight: 28 bytes a
  float32 parameter) beside a streaming update y <- a x + y over as many floats
  (12 bytes each);
- GFLOP/s of a chain of 20 dense products of shape rows x 1000 x 1000 in
  float32, in bf16 with the float32 weights cast each call (what a Keras
  mixed-precision layer does), and in bf16 with the weights stored in bf16.

  python benchmarks/step_parts.py
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PARTS = r"""
import json, sys, keras, tensorflow as tf
from benchmarks.steps import seconds_per_call
case, precision, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
if threads:
  tf.config.threading.set_intra_op_parallelism_threads(threads)
keras.mixed_precision.set_global_policy(precision)
if case == "nice_mnist":
  from benchmarks.steps import _nice
  model, spec = _nice(False)
  batch = 100
else:
  from tfflowgan import config as config_lib
  from tfflowgan.data import DataSpec
  from tfflowgan.objectives import flow_mle
  config_lib.parse(["configs/realnvp_digits_mle.gin"], [])
  spec, batch = DataSpec("digits", (8, 8, 1), 17), 64
  model = flow_mle(spec)
x = tf.random.uniform([batch, *spec.shape], 0.01, 0.99, seed=0)

def forward(x):
  return tf.reduce_sum(model.generator.log_prob(x))

def gradients(x):
  with tf.GradientTape() as tape:
    loss = -tf.reduce_mean(model.generator.log_prob(x))
  return tf.add_n([tf.reduce_sum(g) for g in tape.gradient(loss, model.trainable_variables)])

def step(x):
  return tf.add_n(list(model.train_step(x).values()))

def ms(fn):
  f = tf.function(fn)
  return seconds_per_call(lambda: f(x), repeats=5) * 1e3
print("@@" + json.dumps({"params": sum(int(tf.size(v)) for v in model.trainable_variables),
                         "forward": ms(forward), "forward+backward": ms(gradients),
                         "train_step": ms(step)}))
"""


def parts(case, precision, threads=0):
  """ms of the parts of `case`'s step; threads 0: TensorFlow's default."""
  out = subprocess.run([sys.executable, "-c", PARTS, case, precision, str(threads)], cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  for line in out.stdout.splitlines():
    if line.startswith("@@"):
      return json.loads(line[2:])
  raise RuntimeError(out.stderr[-2000:])


def chain_gflops(rows, mode, width=1000, layers=20):
  """GFLOP/s of `layers` relu(h @ W) products, h [rows, width]; mode 'float32',
  'bf16, cast weights' or 'bf16, bf16 weights'."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks.steps import seconds_per_call  # pylint: disable=g-import-not-at-top
  stored = tf.bfloat16 if mode == "bf16, bf16 weights" else tf.float32
  compute = tf.float32 if mode == "float32" else tf.bfloat16
  ws = [tf.Variable(tf.cast(tf.random.normal([width, width]) * 0.03, stored))
        for _ in range(layers)]
  x = tf.random.normal([rows, width])

  @tf.function
  def f():
    h = tf.cast(x, compute)
    for w in ws:
      h = tf.nn.relu(h @ tf.cast(w, compute))
    return tf.reduce_sum(tf.cast(h, tf.float32))
  return 2 * rows * width * width * layers / seconds_per_call(f, repeats=5) / 1e9


def stream_gbps(count):
  """GB/s of y <- 0.5 x + y over `count` float32s (read x, y; write y)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks.steps import seconds_per_call  # pylint: disable=g-import-not-at-top
  x, y = tf.Variable(tf.ones([count])), tf.Variable(tf.zeros([count]))

  @tf.function
  def f():
    y.assign_add(0.5 * x)
    return y[0]
  return 12 * count / seconds_per_call(f, repeats=5) / 1e9


def main():
  print("| case | policy | intra-op threads | forward ms | forward + backward ms | "
        "train_step ms | optimizer + rest ms |\n|---|---|---|---|---|---|---|")
  rows = {}
  for case in ("nice_mnist", "realnvp_digits"):
    for precision in ("float32", "mixed_bfloat16"):
      for threads in (0, 1):
        p = rows[case, precision, threads] = parts(case, precision, threads)
        print(f"| {case} | {precision} | {threads or 'default'} | {p['forward']:.1f} | "
              f"{p['forward+backward']:.1f} | {p['train_step']:.1f} | "
              f"{p['train_step'] - p['forward+backward']:.1f} |", flush=True)
  nice = rows["nice_mnist", "float32", 0]
  update_ms = nice["train_step"] - nice["forward+backward"]
  print(f"\nNICE float32 optimizer + rest: {update_ms:.1f} ms for {nice['params'] / 1e6:.1f}M "
        f"parameters = {28 * nice['params'] / update_ms / 1e6:.0f} GB/s; streaming "
        f"y <- a x + y over as many floats: {stream_gbps(nice['params']):.0f} GB/s", flush=True)
  modes = ("float32", "bf16, cast weights", "bf16, bf16 weights")
  print("\n| rows | " + " | ".join(f"{m} GFLOP/s" for m in modes) + " |\n|---|---|---|---|")
  for rows in (100, 400):
    print(f"| {rows} | " + " | ".join(f"{chain_gflops(rows, m):.0f}" for m in modes) + " |",
          flush=True)


if __name__ == "__main__":
  main()
