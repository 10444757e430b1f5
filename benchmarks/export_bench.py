"""`log_prob` throughput of an exported SavedModel vs the in-memory model.

The same RealNVP flow (CIFAR-10 shape; digits shape with --quick) is timed
three ways on the same uint8 batch:
- in_memory: the model's `log_prob` endpoint (`export.FlowServing.log_prob`,
  input checks included) in a `tf.function`, as a Python user calls it;
- in_memory_raw: `generator.log_prob` on the bin centres (no input checks);
- saved_model: `tf.saved_model.load(path).signatures['log_prob']`, as a
  serving process calls it (written by `export.export_model`).
`ratio` = saved_model / in_memory (1.0 = no cost of exporting); the target is
>= 0.9. The two outputs are checked equal before timing.
"""

import tempfile
import time

import numpy as np
import tensorflow as tf

from tfflowgan import export
from tfflowgan.data import DataSpec
from tfflowgan.generators import realnvp
from tfflowgan.objectives import flow_mle


def _model(quick):
  if quick:
    spec = DataSpec("digits", (8, 8, 1), 17)
    gen = lambda s: realnvp(s, num_scales=1, final_couplings=1, num_blocks=1, hidden=16)
  else:
    spec = DataSpec("cifar10", (32, 32, 3), 256)
    gen = lambda s: realnvp(s, num_scales=2, final_couplings=1, num_blocks=4, hidden=64)
  return flow_mle(spec, generator=gen), spec


def _throughput(fn, images, repeats, rounds=3):
  """Best of `rounds` of `repeats` calls: examples per second."""
  np.asarray(fn(images))  # trace / warm up
  best = float("inf")
  for _ in range(rounds):
    start = time.perf_counter()
    for _ in range(repeats):
      out = fn(images)
    np.asarray(out)
    best = min(best, (time.perf_counter() - start) / repeats)
  return int(images.shape[0]) / best


def run(quick=False, batch=None, repeats=None):
  """{in_memory_ex_per_s, in_memory_raw_ex_per_s, saved_model_ex_per_s, ratio, ...}."""
  model, spec = _model(quick)
  batch = batch or (256 if quick else 64)
  repeats = repeats or (20 if quick else 10)
  rng = np.random.default_rng(0)
  images = tf.constant(rng.integers(0, spec.levels, (batch, *spec.shape)).astype(np.uint8))
  serving = export.serving_module(model, spec)
  in_memory = tf.function(lambda x: serving.log_prob(x)["log_prob"])
  centres = lambda x: (tf.cast(x, tf.float32) + 0.5) / spec.levels
  raw = tf.function(lambda x: model.generator.log_prob(centres(x)))
  with tempfile.TemporaryDirectory() as tmp:
    export.export_model(model, spec, tmp)
    loaded = export.load(tmp)
    signature = loaded.signatures["log_prob"]
    saved = lambda x: signature(images=x)["log_prob"]
    gap = float(np.max(np.abs(saved(images).numpy() - in_memory(images).numpy())))
    if gap > 1e-3 * spec.num_dims:
      raise AssertionError(f"SavedModel log_prob differs from in-memory by {gap}")
    # Interleave the three so that machine load hits them alike.
    times = {"in_memory": [], "in_memory_raw": [], "saved_model": []}
    for _ in range(2):
      times["in_memory"].append(_throughput(in_memory, images, repeats))
      times["in_memory_raw"].append(_throughput(raw, images, repeats))
      times["saved_model"].append(_throughput(saved, images, repeats))
  out = {f"{k}_ex_per_s": max(v) for k, v in times.items()}
  out.update(batch=batch, shape=list(spec.shape), max_abs_gap_nats=gap,
             ratio=out["saved_model_ex_per_s"] / out["in_memory_ex_per_s"])
  return out


if __name__ == "__main__":
  import argparse
  import json
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--quick", action="store_true")
  print(json.dumps(run(parser.parse_args().quick), indent=2))
