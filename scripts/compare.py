"""Compare evaluated runs: one markdown table and one bar plot; with --group,
mean and spread over the seeds of each config.

  python scripts/compare.py runs/flowgan_digits_mle runs/flowgan_digits_adv \
      runs/flowgan_digits_hybrid [--out report.md] [--plot comparison.png]
  python scripts/compare.py --group mle runs/mle_s0 runs/mle_s1 runs/mle_s2 \
      --group adv runs/adv_s0 runs/adv_s1 runs/adv_s2 [--out report.md]

Reads each DIR/eval.json (from scripts/evaluate.py) and DIR/metrics.json
(fallback for the test bits/dim), prints the table (rows = runs, plus the
Parzen baseline) and writes the plot (default: next to --out, else
./comparison.png). Table logic: `tfflowgan/evaluation/report.py`. --group NAME DIR [DIR ...]
(repeatable; one folder per seed) prints a table of mean ± std per config
and the differences between configs larger than the seed spread
(`tfflowgan/evaluation/seed_spread.py`), and no plot.
"""

import argparse
import json
import os
import sys

from tfflowgan.evaluation import report, seed_spread


def _load(path):
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)


def _read(d):
  ev = _load(os.path.join(d, "eval.json"))
  if ev is None:
    sys.exit(f"{d}/eval.json not found: run scripts/evaluate.py --workdir {d} first")
  return ev, _load(os.path.join(d, "metrics.json"))


def _groups(groups, out):
  summaries = seed_spread.read_groups(groups, lambda d: report.summarize(*_read(d)))
  table = seed_spread.spread_table(seed_spread.group_spreads(summaries))
  print(table)
  if out:
    with open(out, "w") as f:
      f.write(table)
    print(f"table: {out}")


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("dirs", nargs="*", help="evaluated run folders")
  parser.add_argument("--group", nargs="+", action="append", metavar=("NAME", "DIR"),
                      help="a config's name and its runs (one per seed)")
  parser.add_argument("--names", nargs="*", help="row names (default: folder names)")
  parser.add_argument("--out", help="also write the table to this markdown file")
  parser.add_argument("--plot", help="bar plot PNG path")
  args = parser.parse_args(argv)
  if args.group:
    if args.dirs:
      sys.exit("give run folders either as --group NAME DIR ... or alone, not both")
    return _groups(args.group, args.out)
  if not args.dirs:
    sys.exit("give evaluated run folders, or --group NAME DIR ...")
  names = args.names or [os.path.basename(os.path.normpath(d)) for d in args.dirs]
  if len(names) != len(args.dirs):
    sys.exit("--names needs one name per folder")
  evals, metrics = {}, {}
  for name, d in zip(names, args.dirs):
    evals[name], metrics[name] = _read(d)
  table = report.comparison_table(evals, metrics)
  print(table)
  plot = args.plot or (os.path.splitext(args.out)[0] + ".png" if args.out else "comparison.png")
  report.save_comparison_plot(report.comparison_rows(evals, metrics), plot)
  if args.out:
    with open(args.out, "w") as f:
      f.write(table)
  print(f"plot: {plot}" + (f"; table: {args.out}" if args.out else ""))


if __name__ == "__main__":
  main()
