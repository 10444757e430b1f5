"""What the per-paper seed reports (`scripts/flowgan_report.py`,
`scripts/danihelka_report.py`) write alike: a labelled grid of each group's
scored samples, and the table, the findings and the figure list."""

import os
from typing import Dict, List

import numpy as np

from tfflowgan.evaluation import plots


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
