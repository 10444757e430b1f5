"""Benchmarks: `python benchmarks/run.py [--quick]` prints tables and writes benchmarks/results.json.

1. the matmul peak in float32 and bfloat16: the best over matrix sizes;
2. train-step throughput (examples/s) and peak memory per generator/objective
   in float32 and under the 'mixed_bfloat16' policy, tf.function vs XLA (each
   case in a fresh process, for honest peak memory), NICE and RealNVP also as
   a share of that precision's peak;
3. the 2D one-way step in ms (`benchmarks/oneway_2d.py`);
4. exported SavedModel `log_prob` vs the in-memory model;
5. log-det estimators as time ratios to one forward pass (n = 2, 64, 784, 3072).
"""

import argparse
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


PRECISIONS = ("float32", "mixed_bfloat16")
BATCH = {"nice_mnist": 100}  # Flow-GAN's batch; the others 64


def _case_in_subprocess(name, batch, quick, precision):
  code = ("import json, sys; from benchmarks.steps import run_case; "
          f"print('@@' + json.dumps(run_case({name!r}, batch={batch}, quick={quick}, "
          f"precision={precision!r})))")
  out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  for line in out.stdout.splitlines():
    if line.startswith("@@"):
      return json.loads(line[2:])
  return {"case": name, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "no output"}


def _best_ex_per_s(row):
  """The faster mode's examples/s of a step row (0 if none ran)."""
  return max([v for k, v in row.items() if k.endswith("_ex_per_s") and v] or [0])


def _fmt(v, digits=1):
  if v is None:
    return "n/a"
  return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--quick", action="store_true", help="small models and sizes (CI smoke run)")
  parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results.json"))
  parser.add_argument("--cases", nargs="+", help="only these train-step cases (default all)")
  parser.add_argument("--skip", nargs="+", default=[], choices=["steps", "2d", "export", "logdet"],
                      help="sections to leave out")
  args = parser.parse_args()
  import tensorflow as tf
  from benchmarks import logdet, peak
  from benchmarks.steps import CASES
  cases = [] if "steps" in args.skip else args.cases or list(CASES)
  unknown = sorted(set(cases) - set(CASES))
  if unknown:
    parser.error(f"unknown cases {unknown}; known: {', '.join(CASES)}")

  gpus = tf.config.list_physical_devices("GPU")
  cpu_model, cpu_flags = "", []
  if os.path.exists("/proc/cpuinfo"):
    for line in open("/proc/cpuinfo"):
      key, _, value = line.partition(":")
      if key.strip() == "model name":
        cpu_model = value.strip()
      elif key.strip() == "flags":
        cpu_flags = sorted(f for f in value.split()
                           if f.startswith(("avx512", "amx", "avx2", "fma", "f16c")))
        break
  machine = {"platform": platform.platform(), "cpus": os.cpu_count(),
             "cpu_model": cpu_model, "cpu_flags": cpu_flags,
             "gpu": [tf.config.experimental.get_device_details(g).get("device_name", "GPU")
                     for g in gpus], "tensorflow": tf.__version__, "quick": args.quick}
  results = {"machine": machine}
  peaks = {}
  sizes = (512, 1024, 2048) if args.quick else peak.PEAK_SIZES
  for precision, dtype in (("float32", tf.float32), ("mixed_bfloat16", tf.bfloat16)):
    best, by_size = peak.matmul_peak(dtype, sizes)
    peaks[precision] = best / 1e9
    results.setdefault("matmul_gflops_by_size", {})[precision] = {
        str(n): v / 1e9 for n, v in by_size.items()}
    print(f"matmul peak {dtype.name}: {best / 1e9:.1f} GFLOP/s (best of n = "
          + ", ".join(f"{n}: {v / 1e9:.0f}" for n, v in by_size.items()) + ")")
  results["matmul_peak_gflops"] = peaks
  print(f"machine: {machine}")

  rows = []
  print("\n| case | batch | float32 tf.function ex/s | float32 XLA | bf16 tf.function | bf16 XLA "
        "| bf16 / float32 | float32 % of its peak | bf16 % of its peak | peak MB (f32 / bf16) |")
  print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
  for name in cases:
    batch = 16 if args.quick else BATCH.get(name, 64)
    pair = []
    for precision in PRECISIONS:
      r = _case_in_subprocess(name, batch, args.quick, precision)
      r["precision"] = precision
      best = _best_ex_per_s(r)
      if "train_step_gflop" in r and best:
        r["percent_of_peak"] = 100 * r["train_step_gflop"] / r["batch"] * best / peaks[precision]
      pair.append(r)
    rows += pair
    f32, b16 = pair
    ratio = _best_ex_per_s(b16) / _best_ex_per_s(f32) if _best_ex_per_s(f32) else None
    note = " ".join(f"({r.get('skipped') or r.get('error') or r.get('xla_error')})"
                    for r in pair if "skipped" in r or "error" in r or "xla_error" in r)
    print(f"| {name} | {f32.get('batch', '')} | {_fmt(f32.get('function_ex_per_s'))} | "
          f"{_fmt(f32.get('xla_ex_per_s'))} | {_fmt(b16.get('function_ex_per_s'))} | "
          f"{_fmt(b16.get('xla_ex_per_s'))} | {_fmt(ratio, 2)} | "
          f"{_fmt(f32.get('percent_of_peak'))} | {_fmt(b16.get('percent_of_peak'))} | "
          f"{_fmt(f32.get('peak_memory_mb'), 0)} / {_fmt(b16.get('peak_memory_mb'), 0)} |"
          + (f"  {note}" if note else ""), flush=True)
  results["train_steps"] = rows

  if "2d" not in args.skip:
    from benchmarks import oneway_2d
    steps_2d = 100 if args.quick else 1000
    results["oneway_2d_ms_per_step"] = {}
    shape_flops = peak.matmul_flops(0, shape=oneway_2d.STEP_SHAPE, repeats=20)
    results["oneway_2d_step_shape_gflops"] = shape_flops / 1e9
    print(f"\nfloat32 matmul at the 2D step's shape {oneway_2d.STEP_SHAPE}: "
          f"{shape_flops / 1e9:.1f} GFLOP/s")
    print("\n| 2D one-way step (ring, batch 256) | ms/step | matmul MFLOP/step | "
          "ms at the float32 peak | ms at the shape's rate |\n|---|---|---|---|---|")
    for label, jacobian, spe, jit in oneway_2d.CASES:
      r = oneway_2d.run(jacobian, spe, jit, steps_2d, threads=0)
      results["oneway_2d_ms_per_step"][label] = r
      flops = r["matmul_flops"]
      floor = ("n/a | n/a | n/a" if flops is None else
               f"{flops / 1e6:.0f} | {flops / (peaks['float32'] * 1e9) * 1e3:.2f} | "
               f"{flops / shape_flops * 1e3:.2f}")
      print(f"| {label} | {r['ms']:.2f} | {floor} |", flush=True)

  if "export" not in args.skip:
    try:
      from benchmarks import export_bench
      results["export"] = export_bench.run(quick=args.quick)
      e = results["export"]
      print(f"\nlog_prob ex/s: in-memory {e['in_memory_ex_per_s']:.0f}, SavedModel "
            f"{e['saved_model_ex_per_s']:.0f} (ratio {e['ratio']:.2f})")
    except ImportError as e:
      print(f"\nexport benchmark skipped: {e}")

  if "logdet" not in args.skip:
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
