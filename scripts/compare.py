"""Compare evaluated runs: one markdown table and one bar plot.

  python scripts/compare.py runs/flowgan_digits_mle runs/flowgan_digits_adv \
      runs/flowgan_digits_hybrid [--out report.md] [--plot comparison.png]

Reads each DIR/eval.json (from scripts/evaluate.py) and DIR/metrics.json
(fallback for the test bits/dim), prints the table (rows = runs, plus the
Parzen baseline) and writes the plot (default: next to --out, else
./comparison.png). Table logic: `tfflowgan/evaluation/report.py`.
"""

import argparse
import json
import os
import sys

from tfflowgan.evaluation import report


def _load(path):
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("dirs", nargs="+", help="evaluated run folders")
  parser.add_argument("--names", nargs="*", help="row names (default: folder names)")
  parser.add_argument("--out", help="also write the table to this markdown file")
  parser.add_argument("--plot", help="bar plot PNG path")
  args = parser.parse_args(argv)
  names = args.names or [os.path.basename(os.path.normpath(d)) for d in args.dirs]
  if len(names) != len(args.dirs):
    sys.exit("--names needs one name per folder")
  evals, metrics = {}, {}
  for name, d in zip(names, args.dirs):
    ev = _load(os.path.join(d, "eval.json"))
    if ev is None:
      sys.exit(f"{d}/eval.json not found: run scripts/evaluate.py --workdir {d} first")
    evals[name], metrics[name] = ev, _load(os.path.join(d, "metrics.json"))
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
