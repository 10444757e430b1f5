"""Table 1 of the one-way flow paper on the 2D mixtures: modes and % high-quality
samples (2,500 generated points) for several seeds, through the gin runner.

  python scripts/oneway_table.py [--configs configs/oneway_ring.gin configs/oneway_grid.gin]
      [--seeds 0 1 2 3 4] [--gin_bindings "train.epochs = 2"] [--workdir runs/oneway_table]

Paper (Ben-Dov et al. Table 1): ring 8 modes / 71.2% HQ; grid 25 / 52.5%.
"""

import argparse
import json
import os
import time

import gin
import numpy as np


def run(config, seed, workdir, bindings):
  from tfflowgan import config as config_lib
  from tfflowgan import training
  gin.clear_config()
  config_lib.parse([config], list(bindings) + [f"train.seed = {seed}"])
  start = time.time()
  metrics = training.train(workdir, verbose=0)
  gin.clear_config()
  return metrics["modes"], metrics["high_quality"], time.time() - start


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--configs", nargs="+",
                 default=["configs/oneway_ring.gin", "configs/oneway_grid.gin"])
  p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
  p.add_argument("--gin_bindings", nargs="*", default=[])
  p.add_argument("--workdir", default=os.path.join("runs", "oneway_table"))
  args = p.parse_args()
  table = {}
  for config in args.configs:
    name = os.path.splitext(os.path.basename(config))[0]
    rows = []
    for seed in args.seeds:
      workdir = os.path.join(args.workdir, name, f"seed{seed}")
      modes, hq, seconds = run(config, seed, workdir, args.gin_bindings)
      rows.append((modes, hq))
      print(f"{name} seed {seed}: modes {modes}, high quality {hq:.1f}% ({seconds:.0f} s)",
            flush=True)
    table[name] = rows
  print("\n| config | " + " | ".join(f"seed {s}" for s in args.seeds) + " | mean |")
  print("|---" * (len(args.seeds) + 2) + "|")
  for name, rows in table.items():
    cells = [f"{m} / {h:.1f}" for m, h in rows]
    mean = f"{np.mean([m for m, _ in rows]):.1f} / {np.mean([h for _, h in rows]):.1f}"
    print(f"| {name} | " + " | ".join(cells) + f" | {mean} |")
  os.makedirs(args.workdir, exist_ok=True)
  with open(os.path.join(args.workdir, "table.json"), "w") as f:
    json.dump(table, f, indent=2)


if __name__ == "__main__":
  main()
