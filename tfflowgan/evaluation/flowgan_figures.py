"""Flow-GAN's figures across objectives and seeds (Grover et al. 2018), from
evaluated runs:

- `parzen_figure`: the Parzen / GMM bandwidth sweep, test NLL and MODE score
  per sigma, with each objective's level drawn across (mean over seeds, band
  mean +- std); the sigmas where the Parzen window beats a reference
  objective (ADV) on both are shaded (the paper's Fig. 2 on MNIST).
- `singular_values_figure`: the generator Jacobian's log singular values by
  index (descending), averaged over prior samples, per objective (mean over
  seeds, band min-max): ADV ill-conditioned, MLE and Hybrid not.
- `nll_over_training_figure`: validation NLL per epoch per objective (mean,
  band min-max over seeds): ADV's NLL worsens as it trains.

NLLs in nats are of the continuous density on [0,1]^D (the paper's unit).
"""

import math
from typing import Dict, Optional, Sequence

import numpy as np

from tfflowgan.evaluation import plots, seed_spread


def beats_on_both(parzen_nll, parzen_mode, ref_nll: float, ref_mode: float) -> np.ndarray:
  """Mask of the sigmas whose Parzen window has lower test NLL and higher
  MODE score than the reference model (the paper's shaded region)."""
  return (np.asarray(parzen_nll) < ref_nll) & (np.asarray(parzen_mode) > ref_mode)


def parzen_figure(sigmas, parzen_nll, parzen_mode, nll: Dict[str, Sequence[float]],
                  mode: Dict[str, Sequence[float]], path: str,
                  reference: Optional[str] = "ADV", nll_label: str = "test NLL (nats)",
                  title: str = "", extra_nll: Optional[Dict[str, Sequence[float]]] = None) -> str:
  """Two panels over sigma (log axis): Parzen test NLL with each objective's
  test NLL (per-seed values in `nll`; `extra_nll`: more levels, dotted), and
  Parzen MODE score with each objective's (`mode`). Shades the sigmas where the
  Parzen window beats `reference` on both. The NLL axis is symmetric-log."""
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  sigmas = np.asarray(sigmas, np.float64)
  fig, axes = plt.subplots(1, 2, figsize=(11, 4))
  shade = np.zeros(len(sigmas), bool)
  if reference in nll and reference in mode and parzen_mode is not None:
    ref_nll = seed_spread.spread(nll[reference]).mean
    ref_mode = seed_spread.spread(mode[reference]).mean
    if math.isfinite(ref_nll) and math.isfinite(ref_mode):
      shade = beats_on_both(parzen_nll, parzen_mode, ref_nll, ref_mode)
  # Each sigma's cell spans the geometric midpoints to its neighbours.
  edges = np.sqrt(sigmas[1:] * sigmas[:-1])
  edges = np.concatenate([[sigmas[0] / 1.2], edges, [sigmas[-1] * 1.2]])
  panels = ((axes[0], parzen_nll, nll, extra_nll or {}, nll_label),
            (axes[1], parzen_mode, mode, {}, "MODE score"))
  for ax, curve, levels, extra, ylabel in panels:
    if curve is not None:
      ax.plot(sigmas, curve, marker="o", color="k", label="Parzen window")
    for i, (name, vals) in enumerate(list(levels.items()) + list(extra.items())):
      level = seed_spread.spread(vals)
      if not level.count:
        continue
      m, s = level.mean, level.std if level.count > 1 else 0.0
      dotted = i >= len(levels)
      ax.axhline(m, color=f"C{i}", linestyle=":" if dotted else "--",
                 label=f"{name} ({len(vals)} seeds)")
      ax.axhspan(m - s, m + s, color=f"C{i}", alpha=0.15, linewidth=0)
    for j in np.flatnonzero(shade):
      ax.axvspan(edges[j], edges[j + 1], color="g", alpha=0.12, linewidth=0,
                 label=f"Parzen beats {reference} on both" if j == np.flatnonzero(shade)[0]
                 else None)
    ax.set_xscale("log")
    ax.set_xticks(sigmas)
    ax.set_xticklabels([f"{v:g}" for v in sigmas])
    ax.minorticks_off()
    ax.set_xlabel("Parzen bandwidth sigma")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
  axes[0].set_yscale("symlog", linthresh=100.0)
  if title:
    fig.suptitle(title, fontsize=10)
  return plots.save_figure(fig, path)


def singular_values_figure(log_sv: Dict[str, Sequence[Sequence[float]]], path: str) -> str:
  """Per objective, per-seed curves of mean log singular value by index ->
  the mean curve with a min-max band, in log10 units."""
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, ax = plt.subplots(figsize=(6, 4))
  for i, (name, curves) in enumerate(log_sv.items()):
    c = np.asarray(curves, np.float64) / np.log(10.0)
    idx = np.arange(1, c.shape[1] + 1)
    ax.plot(idx, c.mean(0), color=f"C{i}", label=f"{name} ({len(c)} seeds)")
    ax.fill_between(idx, c.min(0), c.max(0), color=f"C{i}", alpha=0.2)
  ax.set_xlabel("index (descending)")
  ax.set_ylabel("log10 singular value of dG/dz")
  ax.legend()
  return plots.save_figure(fig, path)


def nll_over_training_figure(curves: Dict[str, Sequence[Sequence[float]]], path: str,
                             ylabel: str = "validation NLL (nats)", log_y: bool = False) -> str:
  """Per objective, per-seed NLL per epoch -> the mean with a min-max band
  (seeds cut to the shortest run)."""
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, ax = plt.subplots(figsize=(6, 4))
  for i, (name, runs) in enumerate(curves.items()):
    n = min(len(r) for r in runs)
    c = np.asarray([r[:n] for r in runs], np.float64)
    epochs = np.arange(1, n + 1)
    ax.plot(epochs, c.mean(0), color=f"C{i}", label=f"{name} ({len(c)} seeds)")
    ax.fill_between(epochs, c.min(0), c.max(0), color=f"C{i}", alpha=0.2)
  ax.set_xlabel("epoch")
  ax.set_ylabel(ylabel)
  if log_y:
    ax.set_yscale("symlog")
  ax.legend()
  return plots.save_figure(fig, path)
