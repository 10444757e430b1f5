"""What the per-paper seed reports (`scripts/flowgan_report.py`,
`scripts/danihelka_report.py`) do alike: read a run's files, draw a labelled
grid of each group's scored samples, and write the table, the findings and
the figure list."""

import csv
import json
import os
from typing import Dict, List

import numpy as np

from tfflowgan.evaluation import plots


def read_run(d: str, names, hint: str) -> Dict[str, object]:
  """{name: content} of the files `names` of run folder `d`: a .json file
  loaded, a .csv file as its rows (dicts); a missing file ends the script with
  one line naming it and `hint` (how to make it)."""
  out = {}
  for name in names:
    path = os.path.join(d, name)
    if not os.path.isfile(path):
      raise SystemExit(f"{d}/{name} not found: {hint}")
    with open(path) as f:
      out[name] = list(csv.DictReader(f)) if name.endswith(".csv") else json.load(f)
  return out


def samples_grid(first_runs: Dict[str, str], path: str, per_group: int) -> List[str]:
  """[path] of one grid of `per_group` scored samples (`eval/samples.npz`,
  integer levels) of each group's run folder, labelled by group; [] if no
  folder has them."""
  grids, labels = [], []
  for name, d in first_runs.items():
    f = os.path.join(d, "eval", "samples.npz")
    if os.path.isfile(f):
      s = np.load(f)
      grids.append(s["samples"][:per_group].astype(np.float32) / (int(s["levels"]) - 1))
      labels += [name] * len(grids[-1])
  if not grids:
    return []
  return [plots.save_labelled_image_grid(np.concatenate(grids), labels, path, nrow=8)]


def write(out_dir: str, table: str, findings: str, figures: List[str]) -> None:
  """OUT_DIR/seeds.md and findings.md, and all three printed."""
  for name, text in (("seeds.md", table), ("findings.md", findings)):
    with open(os.path.join(out_dir, name), "w") as f:
      f.write(text)
  print(table)
  print(findings)
  print("figures: " + ", ".join(figures))
