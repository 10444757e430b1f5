"""Table 2 of the one-way flow paper on the library's data: FID of several image
configs over seeds, mean and spread, from one command. Each (config, seed)
trains with `scripts/train.py` and is scored with `scripts/evaluate.py`
(stages likelihood and sample_quality: FID, precision / recall on the
library's features, and the test bits/dim where the model has a density);
`--jobs` runs that many at once (one thread each).

  python scripts/image_table.py --configs configs/oneway_digits.gin \
      configs/oneway_digits_s2.gin configs/wgan_gp_digits.gin \
      configs/realnvp_digits_mle.gin [--seeds 0 1 2] [--jobs 2] [--workdir runs/image_table]

Paper (Ben-Dov et al. Table 2, FID on Inception features): CelebA one-way
1 sample 22.5, 2 samples 22.9, WGAN-GP 24, GLOW 24; CIFAR-10 42.4, 51.2, 61, 95.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = (("fid", "FID", "{:.2f}"), ("precision", "precision", "{:.3f}"),
           ("recall", "recall", "{:.3f}"), ("test_bits_per_dim", "test bits/dim", "{:.3f}"))


def _run(cmd, log):
  env = dict(os.environ, TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1",
             TF_CPP_MIN_LOG_LEVEL="2")
  with open(log, "a") as f:
    return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, check=False).returncode


def train_and_score(config, seed, workdir, bindings, classifier):
  """Trains one (config, seed) in `workdir` (resumed if there) and evaluates it;
  returns (scores dict, seconds) or raises with the log's path."""
  start, log = time.time(), workdir + ".log"
  os.makedirs(os.path.dirname(workdir), exist_ok=True)
  cmd = [sys.executable, os.path.join(HERE, "train.py"), "--config", config,
         "--workdir", workdir, "--gin_bindings", f"train.seed = {seed}"]
  for b in bindings:
    cmd += ["--gin_bindings", b]
  if _run(cmd, log):
    raise RuntimeError(f"training {config} seed {seed} failed: see {log}")
  cmd = [sys.executable, os.path.join(HERE, "evaluate.py"), "--workdir", workdir,
         "--stages", "likelihood,sample_quality", "--seed", str(seed)]
  if classifier:
    cmd += ["--classifier", classifier]
  _run(cmd, log)  # a skipped likelihood stage (no density) exits 0; failures are in eval.json
  with open(os.path.join(workdir, "eval.json")) as f:
    ev = json.load(f)
  quality = ev.get("sample_quality", {})
  bpd = ev.get("likelihood", {}).get("test", {}).get("mean_bits_per_dim")
  scores = {k: quality.get(k) for k in ("fid", "precision", "recall")}
  scores["test_bits_per_dim"] = bpd
  scores["likelihood_kind"] = ev.get("likelihood_kind")
  return scores, time.time() - start


def _cell(values, fmt):
  vals = [v for v in values if v is not None]
  if not vals:
    return "n/a"
  if len(vals) == 1:
    return fmt.format(vals[0])
  return f"{fmt.format(np.mean(vals))} ± {fmt.format(np.std(vals, ddof=1))}"


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--configs", nargs="+", required=True)
  p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
  p.add_argument("--gin_bindings", nargs="*", default=[])
  p.add_argument("--jobs", type=int, default=2)
  p.add_argument("--classifier", default=None, help="feature classifier (evaluate.py's default)")
  p.add_argument("--workdir", default=os.path.join("runs", "image_table"))
  args = p.parse_args()
  jobs = {}
  with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
    for config in args.configs:
      name = os.path.splitext(os.path.basename(config))[0]
      for seed in args.seeds:
        wd = os.path.join(args.workdir, f"{name}_seed{seed}")
        jobs[(config, seed)] = pool.submit(train_and_score, config, seed, wd,
                                           args.gin_bindings, args.classifier)
    results = {}
    for (config, seed), fut in jobs.items():
      scores, secs = fut.result()
      results[(config, seed)] = scores
      print(f"{config} seed {seed}: " + ", ".join(
          f"{k} {v:.4g}" for k, v in scores.items() if isinstance(v, float))
          + f" ({secs:.0f} s)", flush=True)
  print("\n| config | seeds | " + " | ".join(h for _, h, _ in COLUMNS) + " |")
  print("|---|---|" + "---|" * len(COLUMNS))
  rows = {}
  for config in args.configs:
    per_seed = [results[(config, s)] for s in args.seeds]
    rows[config] = per_seed
    cells = [_cell([r[k] for r in per_seed], fmt) for k, _, fmt in COLUMNS]
    print(f"| `{os.path.basename(config)}` | {len(args.seeds)} | " + " | ".join(cells) + " |")
  print("\nmean ± sample std over seeds; FID and precision / recall of 1,000 samples "
        "against the test split (evaluate.py's features)")
  with open(os.path.join(args.workdir, "table.json"), "w") as f:
    json.dump({c: dict(zip(map(str, args.seeds), r)) for c, r in rows.items()}, f, indent=1)


if __name__ == "__main__":
  main()
