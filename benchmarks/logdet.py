"""Cost of the log-det estimators of a one-way generator, as ratios to one forward pass.

- jvp: Jv by `tf.autodiff.ForwardAccumulator` (one forward-mode pass), the
  one-sample log-det estimate n log||Jv|| of the one-way flow paper (eq. 8-9);
- double_vjp: the same Jv by the double-backward trick, J v = d/du <J^T u, v>;
- exact: `slogdet` of the full Jacobian from `batch_jacobian` (n backward passes).
"""

import time

import numpy as np
import tensorflow as tf


def mlp_generator(n: int, depth: int = 3, seed: int = 0):
  """g: R^n -> R^n, `depth` tanh layers of width n (never below n: one-way flow's rule)."""
  rng = np.random.RandomState(seed)
  ws = [tf.constant((rng.randn(n, n) / np.sqrt(n)).astype(np.float32)) for _ in range(depth)]

  def g(z):
    h = z
    for w in ws:
      h = tf.tanh(h @ w) + h
    return h
  return g


def jv_forward_accumulator(g, z, v):
  with tf.autodiff.ForwardAccumulator(z, v) as acc:
    y = g(z)
  return acc.jvp(y)


def jv_double_vjp(g, z, v):
  u = tf.zeros_like(g(z))
  with tf.GradientTape() as outer:
    outer.watch(u)
    with tf.GradientTape() as inner:
      inner.watch(z)
      y = g(z)
    jt_u = inner.gradient(y, z, output_gradients=u)  # J^T u, linear in u
  return outer.gradient(jt_u, u, output_gradients=v)  # d/du <J^T u, v> = J v


def logdet_exact(g, z):
  with tf.GradientTape() as tape:
    tape.watch(z)
    y = g(z)
  return tf.linalg.slogdet(tape.batch_jacobian(y, z))[1]


def _time(fn, repeats):
  fn()  # trace / warm up
  start = time.perf_counter()
  for _ in range(repeats):
    out = fn()
  np.asarray(out)
  return (time.perf_counter() - start) / repeats


def run(sizes=(2, 64, 784, 3072), batch=4, repeats=5, exact_max=3072):
  rows = []
  for n in sizes:
    g = mlp_generator(n)
    z = tf.random.normal([batch, n], seed=1)
    v = tf.math.l2_normalize(tf.random.normal([batch, n], seed=2), axis=-1)
    fns = {
        "forward": tf.function(lambda: g(z)),
        "jvp": tf.function(lambda: n * tf.math.log(tf.norm(jv_forward_accumulator(g, z, v), axis=-1))),
        "double_vjp": tf.function(lambda: n * tf.math.log(tf.norm(jv_double_vjp(g, z, v), axis=-1))),
    }
    if n <= exact_max:
      fns["exact"] = tf.function(lambda: logdet_exact(g, z))
    times = {k: _time(f, repeats if k != "exact" or n < 1000 else 1) for k, f in fns.items()}
    rows.append({"n": n, "batch": batch, "forward_s": times["forward"],
                 **{f"{k}_over_forward": times[k] / times["forward"]
                    for k in times if k != "forward"},
                 "exact_over_jvp": times.get("exact", float("nan")) / times["jvp"]})
  return rows
