"""Table 1 of the one-way flow paper on the 2D mixtures: modes and % high-quality
samples (2,500 generated points) for several seeds, through the gin runner;
beside each row the same score for P_D itself (its mass within 3 std of a mode,
by quadrature), the stored log zeta's error against a finer, wider quadrature,
and that of the paper's importance estimate (eq. 2), in nats.

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


COLUMNS = ("modes", "high_quality", "density_modes", "density_high_quality", "log_zeta_error",
           "log_zeta_importance_error")


def run(config, seed, workdir, bindings):
  from tfflowgan import config as config_lib
  from tfflowgan import training
  gin.clear_config()
  config_lib.parse([config], list(bindings) + [f"train.seed = {seed}"])
  start = time.time()
  metrics = training.train(workdir, verbose=0)
  gin.clear_config()
  return metrics, time.time() - start


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
      m, seconds = run(config, seed, workdir, args.gin_bindings)
      rows.append({k: m[k] for k in COLUMNS})
      print(f"{name} seed {seed}: modes {m['modes']:.0f}, high quality "
            f"{m['high_quality']:.1f}%; P_D {m['density_modes']:.0f} / "
            f"{m['density_high_quality']:.1f}%; log zeta error {m['log_zeta_error']:+.3f}, "
            f"importance estimate's {m['log_zeta_importance_error']:+.2f} "
            f"({seconds:.0f} s)", flush=True)
    table[name] = rows
  print("\n| config | " + " | ".join(f"seed {s}" for s in args.seeds)
        + " | mean (spread) | P_D, mean | log zeta error, max abs | importance estimate's |")
  print("|---" * (len(args.seeds) + 5) + "|")
  for name, rows in table.items():
    col = {k: np.array([r[k] for r in rows]) for k in COLUMNS}
    cells = [f"{r['modes']:.0f} / {r['high_quality']:.1f}" for r in rows]
    mean = (f"{col['modes'].mean():.1f} / {col['high_quality'].mean():.1f} "
            f"({col['high_quality'].min():.1f}-{col['high_quality'].max():.1f})")
    p_d = f"{col['density_modes'].mean():.1f} / {col['density_high_quality'].mean():.1f}"
    err = f"{np.abs(col['log_zeta_error']).max():.3f}"
    err_is = f"{np.abs(col['log_zeta_importance_error']).max():.2f}"
    print(f"| {name} | " + " | ".join(cells) + f" | {mean} | {p_d} | {err} | {err_is} |")
  os.makedirs(args.workdir, exist_ok=True)
  with open(os.path.join(args.workdir, "table.json"), "w") as f:
    json.dump(table, f, indent=2)


if __name__ == "__main__":
  main()
