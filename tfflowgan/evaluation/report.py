"""Comparison of evaluated runs: one markdown table and one bar plot.

Rows are runs (from each run's `eval.json`, falling back to `metrics.json`
for the test bits/dim), plus a baseline row for Flow-GAN's Parzen window at
the bandwidth chosen on validation (Grover et al. 2018). Columns: test
bits/dim, FID and MODE score (on the features named under the table),
precision / recall (Kynkaanniemi et al. 2019) and density / coverage (Naeem
et al. 2020) on FID's features, median condition number of the generator
Jacobian, the independent critic's W_hat on test (Danihelka et al. 2017,
eq. 8) and the Parzen test bits/dim.
"""

import math
from typing import Dict, Optional

COLUMNS = (  # (summary key, header, format)
    ("test_bits_per_dim", "test bits/dim", "{:.3f}"),
    ("fid", "FID", "{:.2f}"),
    ("mode_score", "MODE score", "{:.2f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("density", "density", "{:.3f}"),
    ("coverage", "coverage", "{:.3f}"),
    ("condition_number", "condition number (median)", "{:.3g}"),
    ("critic_distance_test", "independent critic W (test)", "{:.3f}"),
    ("parzen_test_bits_per_dim", "Parzen test bits/dim", "{:.3f}"),
)
MISSING = "n/a"
MANIFOLD_METRICS = ("precision", "recall", "density", "coverage")


def _get(d, *keys):
  for k in keys:
    if not isinstance(d, dict) or k not in d:
      return None
    d = d[k]
  return d


def _num(v) -> Optional[float]:
  """A float from a number or a JSON string such as 'inf'; None otherwise."""
  if v is None or isinstance(v, bool):
    return None
  try:
    return float(v)
  except (TypeError, ValueError):
    return None


def summarize(ev: dict, metrics: Optional[dict] = None) -> Dict[str, object]:
  """The headline numbers of one eval.json (dict) and its run's metrics.json
  (`best_validation` block); None where not measured. NLLs in nats are of the
  continuous density on [0,1]^D (Flow-GAN's unit); bits/dim are discrete."""
  bpd = _num(_get(ev, "likelihood", "test", "mean_bits_per_dim"))
  if bpd is None and metrics:
    bpd = _num(metrics.get("test_bits_per_dim"))
  best = (metrics or {}).get("best_validation") or {}
  best_nll = _num(best.get("test_nll"))  # discrete-space nats (training metrics)
  dims, levels = _num(ev.get("num_dims")), _num(ev.get("levels"))
  return {
      "test_bits_per_dim": bpd,
      "test_nll_nats": _num(_get(ev, "likelihood", "test", "mean_nll")),
      "best_validation_epoch": _num(best.get("epoch")),
      "best_validation_test_bits_per_dim": _num(best.get("test_bits_per_dim")),
      "best_validation_test_nll_nats": (  # continuous density on [0,1]^D, as test_nll_nats
          best_nll - dims * math.log(levels) if None not in (best_nll, dims, levels)
          else None),
      "likelihood_kind": ev.get("likelihood_kind"),
      "fid": _num(_get(ev, "sample_quality", "fid")),
      "mode_score": _num(_get(ev, "sample_quality", "mode_score")),
      **{k: _num(_get(ev, "sample_quality", k)) for k in MANIFOLD_METRICS},
      "features": _get(ev, "sample_quality", "features"),
      "condition_number": _num(_get(ev, "jacobian", "condition_number_median")),
      "numerical_rank": _num(_get(ev, "jacobian", "numerical_rank", "median")),
      "critic_distance_test": _num(_get(ev, "independent_critic", "distance", "test")),
      "parzen_test_bits_per_dim": _num(_get(ev, "parzen", "best_test_bits_per_dim")),
      "parzen_sigma": _num(_get(ev, "parzen", "best_sigma")),
  }


def parzen_baseline(ev: dict) -> Optional[Dict[str, object]]:
  """The Parzen row at the validation-chosen sigma (its FID/MODE if measured)."""
  sigma = _num(_get(ev, "parzen", "best_sigma"))
  if sigma is None:
    return None
  row = {k: None for k, _, _ in COLUMNS}
  row["test_bits_per_dim"] = row["parzen_test_bits_per_dim"] = _num(
      _get(ev, "parzen", "best_test_bits_per_dim"))
  sq = _get(ev, "sample_quality", "parzen")
  if sq and sigma in [_num(s) for s in sq.get("sigmas", [])]:
    i = [_num(s) for s in sq["sigmas"]].index(sigma)
    row["fid"], row["mode_score"] = _num(sq["fid"][i]), _num(sq["mode_score"][i])
  row["name"] = f"Parzen window, sigma = {sigma:g} (baseline)"
  return row


def _cell(value, fmt: str) -> str:
  if value is None:
    return MISSING
  if isinstance(value, float) and not math.isfinite(value):
    return str(value)
  return fmt.format(value)


def markdown_table(rows: Dict[str, Dict[str, object]]) -> str:
  """Rows {name: summary} -> a markdown table (COLUMNS), trailing newline."""
  lines = ["| run | " + " | ".join(h for _, h, _ in COLUMNS) + " |",
           "|---|" + "---|" * len(COLUMNS)]
  for name, row in rows.items():
    cells = []
    for key, _, fmt in COLUMNS:
      cell = _cell(row.get(key), fmt)
      kind = row.get("likelihood_kind")
      if key == "test_bits_per_dim" and cell != MISSING and kind not in (None, "exact"):
        cell += f" ({kind})"
      cells.append(cell)
    lines.append(f"| {name} | " + " | ".join(cells) + " |")
  return "\n".join(lines) + "\n"


def comparison_rows(evals: Dict[str, dict], metrics: Optional[Dict[str, dict]] = None):
  """{run: summary} for each run, plus the Parzen baseline of the first run with one."""
  rows = {name: summarize(ev, (metrics or {}).get(name)) for name, ev in evals.items()}
  for ev in evals.values():
    base = parzen_baseline(ev)
    if base is not None:
      rows[base.pop("name")] = base
      break
  return rows


def comparison_table(evals: Dict[str, dict], metrics: Optional[Dict[str, dict]] = None) -> str:
  """The markdown table plus a line naming the FID / MODE features."""
  rows = comparison_rows(evals, metrics)
  features = sorted({str(r["features"]) for r in rows.values() if r.get("features")})
  note = ("\nFID / MODE score features: " + "; ".join(features) + "\n") if features else ""
  return markdown_table(rows) + note


def save_comparison_plot(rows: Dict[str, Dict[str, object]], path: str) -> str:
  """One bar chart per column (runs side by side, 5 charts a row); missing
  values left out."""
  from tfflowgan.evaluation import plots  # pylint: disable=g-import-not-at-top (sets Agg)
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  names = list(rows)
  ncol = min(5, len(COLUMNS))
  nrow = math.ceil(len(COLUMNS) / ncol)
  fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 3.2 * nrow + 0.4), squeeze=False)
  for ax in axes.ravel()[len(COLUMNS):]:
    ax.axis("off")
  for ax, (key, header, _) in zip(axes.ravel(), COLUMNS):
    vals = [_num(rows[n].get(key)) for n in names]
    ok = [i for i, v in enumerate(vals) if v is not None and math.isfinite(v)]
    ax.bar([i for i in ok], [vals[i] for i in ok], color=[f"C{i}" for i in ok])
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([str(i + 1) for i in range(len(names))])
    if key == "condition_number" and ok and min(vals[i] for i in ok) > 0:
      ax.set_yscale("log")
    ax.set_title(header, fontsize=9)
  fig.text(0.01, 0.01, "  ".join(f"{i + 1}: {n}" for i, n in enumerate(names)), fontsize=8)
  return plots.save_figure(fig, path, rect=(0, 0.4 / (3.2 * nrow + 0.4), 1, 1))
