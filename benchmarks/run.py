"""Benchmarks: `python benchmarks/run.py [--quick]` prints tables and writes benchmarks/results.json.

1. train-step throughput (examples/s) and peak memory per generator/objective,
   eager vs tf.function vs XLA (each case in a fresh process, for honest peak memory);
2. exported SavedModel `log_prob` vs the in-memory model;
3. log-det estimators as time ratios to one forward pass (n = 2, 64, 784, 3072);
4. the RealNVP step's fraction of the matmul peak measured in the same run.
"""

import argparse
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _case_in_subprocess(name, batch, quick):
  code = ("import json, sys; from benchmarks.steps import run_case; "
          f"print('@@' + json.dumps(run_case({name!r}, batch={batch}, quick={quick})))")
  out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  for line in out.stdout.splitlines():
    if line.startswith("@@"):
      return json.loads(line[2:])
  return {"case": name, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "no output"}


def _fmt(v, digits=1):
  if v is None:
    return "n/a"
  return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--quick", action="store_true", help="small models and sizes (CI smoke run)")
  parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results.json"))
  args = parser.parse_args()
  import tensorflow as tf
  from benchmarks import logdet, peak
  from benchmarks.steps import CASES

  gpus = tf.config.list_physical_devices("GPU")
  machine = {"platform": platform.platform(), "cpus": os.cpu_count(),
             "gpu": [tf.config.experimental.get_device_details(g).get("device_name", "GPU")
                     for g in gpus], "tensorflow": tf.__version__, "quick": args.quick}
  results = {"machine": machine}
  results["matmul_peak_gflops"] = peak.matmul_peak_flops(1024 if args.quick else 2048) / 1e9
  print(f"machine: {machine}\nmatmul peak: {results['matmul_peak_gflops']:.1f} GFLOP/s\n")

  batch = 16 if args.quick else 64
  rows = [_case_in_subprocess(name, batch, args.quick) for name in CASES]
  results["train_steps"] = rows
  print("| case | batch | eager ex/s | tf.function ex/s | XLA ex/s | peak MB | % of matmul peak |")
  print("|---|---|---|---|---|---|---|")
  for r in rows:
    frac = None
    if "train_step_gflop" in r:
      best = max(v for k, v in r.items() if k.endswith("_ex_per_s") and v)
      frac = 100 * r["train_step_gflop"] / r["batch"] * best / results["matmul_peak_gflops"]
      r["percent_of_matmul_peak"] = frac
    print(f"| {r['case']} | {r.get('batch', '')} | {_fmt(r.get('eager_ex_per_s'))} | "
          f"{_fmt(r.get('function_ex_per_s'))} | {_fmt(r.get('xla_ex_per_s'))} | "
          f"{_fmt(r.get('peak_memory_mb'), 0)} | {_fmt(frac)} |"
          + (f"  ({r.get('skipped') or r.get('error')})" if "skipped" in r or "error" in r else ""))

  try:
    from benchmarks import export_bench
    results["export"] = export_bench.run(quick=args.quick)
    e = results["export"]
    print(f"\nlog_prob ex/s: in-memory {e['in_memory_ex_per_s']:.0f}, SavedModel "
          f"{e['saved_model_ex_per_s']:.0f} (ratio {e['ratio']:.2f})")
  except ImportError as e:
    print(f"\nexport benchmark skipped: {e}")

  sizes = (2, 64, 784) if args.quick else (2, 64, 784, 3072)
  results["logdet"] = logdet.run(sizes=sizes, repeats=3 if args.quick else 10)
  print("\n| n | forward ms | JVP / fwd | double-VJP / fwd | exact / fwd | exact / JVP |")
  print("|---|---|---|---|---|---|")
  for r in results["logdet"]:
    print(f"| {r['n']} | {1e3 * r['forward_s']:.3f} | {r['jvp_over_forward']:.2f} | "
          f"{r['double_vjp_over_forward']:.2f} | {_fmt(r.get('exact_over_forward'))} | "
          f"{_fmt(r['exact_over_jvp'])} |")
  with open(args.out, "w") as f:
    json.dump(results, f, indent=2)
  print(f"\nwrote {args.out}")


if __name__ == "__main__":
  main()
