"""Small helpers of the evaluation suite: summary statistics, JSON-safe values, a plot."""

import math

import numpy as np

from tfflowgan.evaluation import plots


def stats(v) -> dict:
  v = np.asarray(v, np.float64)
  fin = v[np.isfinite(v)]
  if not fin.size:
    return {"count_nonfinite": int(v.size)}
  return {"mean": float(fin.mean()), "std": float(fin.std()), "min": float(fin.min()),
          "median": float(np.median(fin)), "max": float(fin.max()),
          "count_nonfinite": int(v.size - fin.size)}


def plot_vs_sigma(path, sigmas, curves: dict, ylabel: str, lines: dict) -> str:
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, ax = plt.subplots(figsize=(6, 4))
  for name, y in curves.items():
    ax.plot(sigmas, y, marker="o", label=name)
  for i, (name, y) in enumerate(lines.items()):
    if y is not None and np.isfinite(y):
      ax.axhline(y, color=f"C{i + 1}", linestyle="--", label=name)
  ax.set_xscale("log")
  ax.set_xlabel("Parzen bandwidth sigma")
  ax.set_ylabel(ylabel)
  ax.legend()
  return plots.save_figure(fig, path)


def jsonable(value):
  """numpy -> Python; non-finite floats -> 'inf' / '-inf' / 'nan' strings."""
  if isinstance(value, dict):
    return {str(k): jsonable(v) for k, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [jsonable(v) for v in value]
  if isinstance(value, np.ndarray):
    return jsonable(value.tolist())
  if isinstance(value, (np.integer,)):
    return int(value)
  if isinstance(value, (float, np.floating)):
    v = float(value)
    return v if math.isfinite(v) else str(v)
  return value
