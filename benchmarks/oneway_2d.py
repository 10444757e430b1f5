"""ms per training step of the 2D one-way flow (`configs/oneway_ring.gin`:
2 x 128 tanh MLP generator, exact 2x2 Jacobian, 2 x 128 critic, batch 256),
through `model.fit` as the runner calls it, side by side:

- Jacobian by `batch_jacobian` (parallel-for) vs by n reverse passes;
- one step per compiled call vs `steps_per_execution` = 50;
- tf.function vs XLA (`jit_compile`);
- all threads vs one thread per process (how `scripts/oneway_table.py` runs);

and the step's matmul FLOPs (`peak.graph_matmul_flops` of the traced
`train_step`) with the time they take at the float32 matmul peak and at the
rate of the step's own matmul shape (STEP_SHAPE: its products of that shape
and their transposes hold 98% of its FLOPs): floors on the step time that no
way of calling it removes.

  python benchmarks/oneway_2d.py [--steps 1000]

Each case runs in a fresh process (first 200 steps not timed).
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CASE = r"""
import json, sys, time
import tensorflow as tf
from benchmarks import peak
from tfflowgan import config as config_lib
from tfflowgan.data import load_splits, make_batches
from tfflowgan.generators import logdet
from tfflowgan.objectives.oneway import oneway_model
rows, spe, jit, steps = sys.argv[1] == "rows", int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
if not rows:
  logdet.SMALL_N = 0  # every n through batch_jacobian
config_lib.parse([sys.argv[5]], [f"oneway_model.jit_compile = {jit}"])
splits = load_splits("ring", seed=0)
model = oneway_model(splits.spec)  # the config's bindings
model.steps_per_execution, model.train_function = spe, None
ds = make_batches(splits.train, splits.spec, 256, training=True, seed=0, repeat=True)
model.fit(ds, epochs=1, steps_per_epoch=200, verbose=0)
start = time.time()
model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
ms = (time.time() - start) / steps * 1e3
step = tf.function(model.train_step).get_concrete_function(tf.TensorSpec([256, 2]))
try:
  flops = peak.graph_matmul_flops(step.graph)
except ValueError:
  flops = None
print("@@" + json.dumps({"ms": ms, "matmul_flops": flops}))
"""

STEP_SHAPE = (256, 128, 128)  # batch x hidden x hidden
CASES = [("batch_jacobian", "jac", 1, 0), ("reverse passes", "rows", 1, 0),
         ("reverse passes, 50 steps a call", "rows", 50, 0),
         ("reverse passes, 50 steps a call, XLA", "rows", 50, 1)]


def run(jacobian, spe, jit, steps, threads):
  """{"ms": ms per step through `model.fit`, "matmul_flops": per step or None}."""
  env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
  if threads == 1:
    env.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
  config = os.path.join(ROOT, "configs", "oneway_ring.gin")
  out = subprocess.run([sys.executable, "-c", CASE, jacobian, str(spe), str(jit), str(steps),
                        config], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1800)
  for line in out.stdout.splitlines():
    if line.startswith("@@"):
      return json.loads(line[2:])
  raise RuntimeError(out.stderr[-2000:])


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--steps", type=int, default=1000)
  args = p.parse_args()
  from benchmarks import peak
  peak_flops, _ = peak.matmul_peak()
  shape_flops = peak.matmul_flops(0, shape=STEP_SHAPE, repeats=20)
  print(f"float32 matmul peak {peak_flops / 1e9:.1f} GFLOP/s, at {STEP_SHAPE} "
        f"{shape_flops / 1e9:.1f}\n")
  print("| case | ms/step, all threads | ms/step, 1 thread | matmul MFLOP/step | "
        "ms at the peak | ms at the shape's rate |\n|---|---|---|---|---|---|")
  first = None
  for name, jacobian, spe, jit in CASES:
    rows = [run(jacobian, spe, jit, args.steps, t) for t in (0, 1)]
    ms = [r["ms"] for r in rows]
    first = first or ms
    ratio = " / ".join(f"{a / b:.2f}x" for a, b in zip(first, ms))
    flops = rows[0]["matmul_flops"]
    floor = ("n/a | n/a | n/a" if flops is None else f"{flops / 1e6:.0f} | "
             f"{flops / peak_flops * 1e3:.2f} | {flops / shape_flops * 1e3:.2f}")
    print(f"| {name} | {ms[0]:.2f} | {ms[1]:.2f} | {floor} | (speed-up {ratio})", flush=True)


if __name__ == "__main__":
  main()
