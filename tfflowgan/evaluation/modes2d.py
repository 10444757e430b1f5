"""VEEGAN's "modes and high-quality samples" metric for the 2D mixtures
(Srivastava et al. 2017; one-way flows, Ben-Dov et al., Table 1).

A generated point is high quality if it lies within 3 std of its nearest mode
(0.03 for the ring, 0.15 for the grid); a mode counts if it is the nearest mode
of at least one high-quality point. The paper uses 2,500 generated points.
Points drawn from the true mixture score every mode and about 98.9% high
quality (P[chi2_2 <= 9] = 1 - exp(-4.5)).
"""

from typing import Callable, Dict, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np

from tfflowgan.data.toy2d import get_mixture
from tfflowgan.evaluation import plots

NUM_EVAL_POINTS = 2500


def nearest_mode(points, means, radius: float):
  """(index of each point's nearest mean [N], whether it lies within `radius`
  of it [N]); distances in the points' dtype."""
  dist = np.linalg.norm(points[:, None, :] - means[None].astype(points.dtype), axis=-1)
  nearest = dist.argmin(axis=1)
  return nearest, dist[np.arange(len(points)), nearest] <= radius


def modes_and_quality(points, means, std: float, num_std: float = 3.0) -> Dict[str, float]:
  """{'modes': modes covered, 'high_quality': % of points within num_std * std}."""
  p = np.asarray(points, np.float64).reshape(-1, 2)
  nearest, good = nearest_mode(p, np.asarray(means, np.float64), num_std * std)
  return {"modes": int(len(np.unique(nearest[good]))),
          "high_quality": float(100.0 * good.mean()) if len(p) else 0.0}


def mixture_metrics(mixture, points) -> Dict[str, float]:
  """The metric for a named mixture ('ring' or 'grid') or a `Mixture`."""
  m = get_mixture(mixture)
  return modes_and_quality(points, m.means, m.std)


def _grid_points(xs, ys):
  """The points of the grid xs x ys, [len(ys) * len(xs), 2] float32, row by row."""
  return np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)


def _log_density_on_grid(mixture, log_density: Callable, resolution: float,
                         margin: float, chunk: int):
  """(grid points [M, 2], log_density there [M] float64, spacing): the midpoints
  of a square grid of spacing `resolution` over the means' extent plus
  `margin`, evaluated `chunk` points at a time."""
  res = float(resolution)
  lo, hi, _, _ = mixture_extent(mixture, margin)
  xs = np.arange(lo, hi, res) + res / 2
  grid = _grid_points(xs, xs)
  logp = np.concatenate([np.asarray(log_density(grid[i:i + chunk]), np.float64).reshape(-1)
                         for i in range(0, len(grid), chunk)])
  return grid, logp, res


def density_quality(mixture, log_density: Callable, resolution: Optional[float] = None,
                    margin: float = 0.5, chunk: int = 200000) -> Dict[str, float]:
  """The same metric for a density instead of samples (e.g. P_D of a critic).

  The density is normalized on a square grid (spacing `resolution`, default
  std / 3) over the means' extent plus `margin`, then
  - 'density_high_quality': % of its mass within 3 std of the nearest mode;
  - 'density_modes': modes whose 3-std disc holds at least a tenth of a
    fair share (1 / (10 K)) of the mass.
  The true mixture scores all modes and ~98.9% (as its samples do). Tells
  whether a generator's shortfall is its own or the density it follows.
  log_density: callable [M, 2] float32 -> [M] log-densities (unnormalized).
  """
  m = get_mixture(mixture)
  grid, logp, _ = _log_density_on_grid(mixture, log_density, resolution or m.std / 3.0,
                                       margin, chunk)
  w = np.exp(logp - logp.max())
  w /= w.sum()
  nearest, good = nearest_mode(grid, m.means, 3.0 * m.std)
  per_mode = np.bincount(nearest[good], w[good], minlength=m.num_modes)
  return {"density_high_quality": float(100.0 * w[good].sum()),
          "density_modes": int((per_mode >= 0.1 / m.num_modes).sum())}


def quadrature_grid(mixture):
  """(resolution, margin) of the default quadrature grid: spacing std / 2 over
  the means' extent plus half of it on each side."""
  m = get_mixture(mixture)
  return float(m.std) / 2.0, 0.5 * float(m.means.max() - m.means.min())


def log_normalizer(mixture, log_density: Callable, resolution: Optional[float] = None,
                   margin: Optional[float] = None, chunk: int = 200000) -> float:
  """log of the integral of exp(log_density) by the midpoint rule on a square
  grid of spacing `resolution` over the means' extent plus `margin` (defaults:
  `quadrature_grid`; mass outside is left out).

  log_density: callable [M, 2] float32 -> [M] log-densities (unnormalized)."""
  default_resolution, default_margin = quadrature_grid(mixture)
  _, logp, res = _log_density_on_grid(mixture, log_density, resolution or default_resolution,
                                      default_margin if margin is None else margin, chunk)
  top = logp.max()
  return float(top + np.log(np.exp(logp - top).sum()) + 2.0 * np.log(res))


def save_density_and_samples(path: str, log_density: Optional[Callable] = None,
                             points=None, extent=(-1.5, 1.5, -1.5, 1.5),
                             resolution: int = 200, title: str = "",
                             reference=None) -> str:
  """PNG: log-density heat map (Fig. 1 style) and/or a scatter of points.

  log_density: callable [M, 2] float32 -> [M] log-densities (e.g. a model's
  `log_prob` or `toy2d.log_prob`); values are clipped below at max - 30 nats
  so the modes stay visible.
  """
  fig, ax = plt.subplots(figsize=(5, 5))
  x0, x1, y0, y1 = extent
  if log_density is not None:
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    grid = _grid_points(xs, ys)
    z = np.asarray(log_density(grid), np.float64).reshape(resolution, resolution)
    z = np.maximum(z, np.nanmax(z) - 30.0)
    im = ax.imshow(z, origin="lower", extent=extent, cmap="viridis", aspect="equal")
    fig.colorbar(im, ax=ax, fraction=0.046, label="log density")
  if points is not None:
    p = np.asarray(points)
    ax.scatter(p[:, 0], p[:, 1], s=1, c="white" if log_density else "C0", alpha=0.5)
  if reference is not None:
    r = np.asarray(reference)
    ax.scatter(r[:, 0], r[:, 1], s=30, c="red", marker="x")
  ax.set_xlim(x0, x1)
  ax.set_ylim(y0, y1)
  ax.set_aspect("equal")
  ax.set_title(title)
  return plots.save_figure(fig, path)


def mixture_extent(mixture, margin: float = 0.5):
  """Plot extent (x0, x1, y0, y1) around a mixture's means."""
  m = get_mixture(mixture).means
  lo, hi = m.min() - margin, m.max() + margin
  return (lo, hi, lo, hi)
