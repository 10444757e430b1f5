"""Seed spread of evaluated runs: the mean and sample standard deviation of
each headline number over the runs of one config (one run per seed), and
which differences between configs are larger than that spread.

A difference between configs A and B in one column is *beyond the seed
spread* when |mean_A - mean_B| > std_A + std_B, i.e. their mean +- std
intervals do not overlap. A group with one finite value has no spread, and
no difference with it is marked. Non-finite values (an NLL of inf) are left
out of the mean and counted.
"""

import dataclasses
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from tfflowgan.evaluation import report

COLUMNS = (  # (summary key, header, format): the likelihood first, both checkpoints
    ("test_nll_nats", "test NLL (nats)", "{:.1f}"),
    ("test_bits_per_dim", "test bits/dim", "{:.3f}"),
    ("best_validation_epoch", "best-validation epoch", "{:.1f}"),
    ("best_validation_test_nll_nats", "test NLL at best validation (nats)", "{:.1f}"),
    ("best_validation_test_bits_per_dim", "test bits/dim at best validation", "{:.3f}"),
) + tuple(c for c in report.COLUMNS if c[0] != "test_bits_per_dim") + (
    ("numerical_rank", "Jacobian numerical rank (median)", "{:.0f}"),)


@dataclasses.dataclass
class Spread:
  mean: float        # over the finite values; nan if none
  std: float         # sample std (ddof 1) of the finite values; nan if fewer than 2
  count: int         # finite values
  count_nonfinite: int

  def cell(self, fmt: str) -> str:
    if self.count == 0:
      return "inf" if self.count_nonfinite else report.MISSING
    text = fmt.format(self.mean)
    if self.count > 1:
      text += " ± " + fmt.format(self.std)
    if self.count_nonfinite:
      text += f" ({self.count_nonfinite} inf)"
    return text


def spread(values: Sequence[Optional[float]]) -> Spread:
  """The Spread of some runs' values (None: not measured, left out)."""
  vals = [float(v) for v in values if v is not None]
  fin = np.array([v for v in vals if math.isfinite(v)], np.float64)
  nan = float("nan")
  return Spread(float(fin.mean()) if fin.size else nan,
                float(fin.std(ddof=1)) if fin.size > 1 else nan,
                int(fin.size), len(vals) - int(fin.size))


def read_groups(groups: Sequence[Sequence[str]], read) -> Dict[str, list]:
  """argparse's `--group NAME DIR [DIR ...]` lists -> {NAME: [read(DIR), ...]};
  a group without folders ends the script with one line."""
  out = {}
  for name, *dirs in groups:
    if not dirs:
      raise SystemExit(f"--group {name}: give the group's run folders after its name")
    out[name] = [read(d) for d in dirs]
  return out


def group_spreads(groups: Dict[str, List[Dict[str, object]]],
                  columns=COLUMNS) -> Dict[str, Dict[str, Spread]]:
  """{config: [summary per seed]} (`report.summarize`) -> {config: {key: Spread}}."""
  return {name: {key: spread([report._num(r.get(key)) for r in runs])  # pylint: disable=protected-access
                 for key, _, _ in columns}
          for name, runs in groups.items()}


def beyond_spread(spreads: Dict[str, Dict[str, Spread]], key: str):
  """[(config A, config B, mean_A - mean_B)] for the pairs whose difference in
  `key` exceeds std_A + std_B (module doc), in the order of `spreads`."""
  names = list(spreads)
  out = []
  for i, a in enumerate(names):
    for b in names[i + 1:]:
      sa, sb = spreads[a][key], spreads[b][key]
      if sa.count < 2 or sb.count < 2:
        continue
      diff = sa.mean - sb.mean
      if abs(diff) > sa.std + sb.std:
        out.append((a, b, diff))
  return out


def spread_table(spreads: Dict[str, Dict[str, Spread]], columns=COLUMNS) -> str:
  """Markdown: a row per config with mean ± std and the run count; then, per
  column, the differences beyond the seed spread. Columns no group has are
  left out."""
  cols = [c for c in columns
          if any(s[c[0]].count or s[c[0]].count_nonfinite for s in spreads.values())]
  lines = ["| config | runs | " + " | ".join(h for _, h, _ in cols) + " |",
           "|---|---|" + "---|" * len(cols)]
  for name, s in spreads.items():
    runs = max(v.count + v.count_nonfinite for v in s.values())
    lines.append(f"| {name} | {runs} | " + " | ".join(s[k].cell(f) for k, _, f in cols) + " |")
  lines.append("")
  lines.append("Differences larger than the seed spread (|mean difference| > std + std):")
  marked = False
  for key, header, fmt in cols:
    pairs = beyond_spread(spreads, key)
    if pairs:
      marked = True
      lines.append(f"- {header}: " + "; ".join(
          f"{a} - {b} = {fmt.format(d)}" for a, b, d in pairs))
  if not marked:
    lines.append("- none")
  return "\n".join(lines) + "\n"
