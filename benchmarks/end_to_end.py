"""Wall-clock seconds of `scripts/train.py --config CONFIG` end to end (fresh
process and workdir: import, build, training, final evaluation) for this tree
and for a baseline commit, runs interleaved so both see the same machine load:

  python benchmarks/end_to_end.py --baseline REF [--config configs/realnvp_digits_mle.gin]
      [--repeats 2]

The baseline is checked out with `git worktree` into a temporary folder and
run with the same Python (each tree imported once, untimed, before the
first run); each row also gives the test bits/dim both reach.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_train(tree, config, workdir):
  """(seconds, metrics.json) of one `scripts/train.py` run from source `tree`."""
  env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": tree}
  start = time.perf_counter()
  out = subprocess.run([sys.executable, os.path.join(tree, "scripts", "train.py"),
                        "--config", os.path.join(tree, config), "--workdir", workdir],
                       cwd=tree, env=env, capture_output=True, text=True)
  seconds = time.perf_counter() - start
  if out.returncode:
    raise RuntimeError(out.stderr[-2000:])
  with open(os.path.join(workdir, "metrics.json")) as f:
    return seconds, json.load(f)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--baseline", required=True, help="git commit to compare with")
  p.add_argument("--config", default="configs/realnvp_digits_mle.gin")
  p.add_argument("--repeats", type=int, default=2)
  args = p.parse_args()
  tmp = tempfile.mkdtemp(prefix="tfflowgan_e2e_")
  base = os.path.join(tmp, "baseline")
  subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-f", base, args.baseline],
                 check=True, capture_output=True)
  try:
    trees = {"this tree": ROOT, args.baseline: base}
    for tree in trees.values():  # untimed: byte-compile and read each tree once
      subprocess.run([sys.executable, "-c", "import tfflowgan.training"], cwd=tree, check=True,
                     env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": tree})
    times = {name: [] for name in trees}
    print(f"| run | {args.baseline} s | this tree s | speed-up | test bits/dim "
          f"(baseline / this) |\n|---|---|---|---|---|")
    for i in range(args.repeats):
      row = {}
      for name, tree in reversed(list(trees.items())) if i % 2 else trees.items():
        workdir = os.path.join(tmp, f"run_{i}_{len(row)}")
        row[name] = run_train(tree, args.config, workdir)
        times[name].append(row[name][0])
      (b, mb), (t, mt) = row[args.baseline], row["this tree"]
      print(f"| {i} | {b:.1f} | {t:.1f} | {b / t:.2f}x | "
            f"{mb.get('test_bits_per_dim', float('nan')):.4f} / "
            f"{mt.get('test_bits_per_dim', float('nan')):.4f} |", flush=True)
    tb, tt = sum(times[args.baseline]), sum(times["this tree"])
    print(f"\ntotal: {args.baseline} {tb:.1f} s, this tree {tt:.1f} s, speed-up {tb / tt:.2f}x")
  finally:
    subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", base],
                   capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
  main()
