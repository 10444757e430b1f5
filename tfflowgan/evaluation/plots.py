"""Small matplotlib (Agg) PNG helpers for evaluation figures."""

import math
from typing import Dict, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np


def save_figure(fig, path: str, layout: bool = True, **layout_kwargs) -> str:
  """Lays `fig` out (`tight_layout(**layout_kwargs)` unless layout=False),
  writes it to `path` as PNG at 100 dpi, closes it and returns `path`."""
  if layout:
    fig.tight_layout(**layout_kwargs)
  fig.savefig(path, dpi=100)
  plt.close(fig)
  return path


MIN_SIDE = 32     # pixels each image of a grid is drawn at, at least
BACKGROUND = 0.5  # gap value between grid images: mid-gray, neither ink nor paper


def upscale(images, min_size: int = MIN_SIDE) -> np.ndarray:
  """Nearest-neighbour upscaling of [N, H, W, C] images by the smallest integer
  factor that makes both sides >= min_size (images already that large unchanged)."""
  x = np.asarray(images)
  k = max(1, -(-min_size // min(x.shape[1], x.shape[2])))
  return x.repeat(k, axis=1).repeat(k, axis=2) if k > 1 else x


def image_grid(images, nrow: int, pad: int = 1, min_size: int = MIN_SIDE,
               background: float = BACKGROUND) -> np.ndarray:
  """Tiles [N, H, W(, C)] images in [0, 1], upscaled to >= min_size pixels a
  side (`upscale`, H' x W'), into one [rows*(H'+pad)+pad, nrow*(W'+pad)+pad, C]
  array; gaps and empty cells hold `background`."""
  x = np.clip(np.asarray(images, np.float32), 0, 1)
  if x.ndim == 3:
    x = x[..., None]
  x = upscale(x, min_size)
  n, h, w, c = x.shape
  rows = math.ceil(n / nrow)
  grid = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad, c), background,
                 np.float32)
  for i in range(n):
    r, k = divmod(i, nrow)
    grid[pad + r * (h + pad):pad + r * (h + pad) + h,
         pad + k * (w + pad):pad + k * (w + pad) + w] = x[i]
  return grid


def save_image_grid(images, path: str, nrow: int = 8, pad: int = 1,
                    min_size: int = MIN_SIDE) -> str:
  """Writes `image_grid` as an 8-bit PNG, one file pixel per grid pixel, value
round(255 v) (gray for C=1)."""
  grid = image_grid(images, nrow, pad, min_size)
  if grid.shape[-1] == 1:
    grid = np.repeat(grid, 3, axis=-1)
  plt.imsave(path, np.round(grid * 255).astype(np.uint8))
  return path


def save_scatter_2d(points, path: str, reference=None, title: str = "") -> str:
  """Scatter of 2D samples, optionally over reference points (e.g. mixture means)."""
  fig, ax = plt.subplots(figsize=(5, 5))
  p = np.asarray(points)
  ax.scatter(p[:, 0], p[:, 1], s=2, alpha=0.5, label="samples")
  if reference is not None:
    r = np.asarray(reference)
    ax.scatter(r[:, 0], r[:, 1], s=30, c="red", marker="x", label="reference")
    ax.legend()
  ax.set_aspect("equal")
  ax.set_title(title)
  return save_figure(fig, path, layout=False)


def save_histogram(values_by_name: Dict[str, np.ndarray], path: str,
                   xlabel: str, bins: int = 50, log_y: bool = False,
                   density: bool = False, title: str = "") -> str:
  """Overlaid histograms on shared bins (`bins` edges over every finite value);
  non-finite values are left out and counted in the legend. density: each
  histogram integrates to 1 (sets of different sizes compare by shape)."""
  values = {k: np.asarray(v, np.float64).ravel() for k, v in values_by_name.items()}
  finite = np.concatenate([v[np.isfinite(v)] for v in values.values()] + [np.zeros(0)])
  edges = np.histogram_bin_edges(finite, bins)
  fig, ax = plt.subplots(figsize=(6, 4))
  for name, v in values.items():
    fin = np.isfinite(v)
    label = name if fin.all() else f"{name} ({(~fin).sum()} non-finite not shown)"
    ax.hist(v[fin], bins=edges, alpha=0.5, label=label, density=density)
  ax.set_xlabel(xlabel)
  ax.set_ylabel("density" if density else "count")
  if log_y:
    ax.set_yscale("log")
  if title:
    ax.set_title(title, fontsize=10)
  ax.legend()
  return save_figure(fig, path)


def save_curve_with_errorbars(x, mean, std, path: str, xlabel: str = "",
                              ylabel: str = "", label: Optional[str] = None,
                              log_x: bool = False, log_y: bool = False) -> str:
  """One curve with +-std error bars (e.g. Parzen NLL vs sigma, scores vs epoch)."""
  fig, ax = plt.subplots(figsize=(6, 4))
  ax.errorbar(np.asarray(x), np.asarray(mean), yerr=np.asarray(std), marker="o",
              capsize=3, label=label)
  ax.set_xlabel(xlabel)
  ax.set_ylabel(ylabel)
  if log_x:
    ax.set_xscale("log")
  if log_y:
    ax.set_yscale("log")
  if label:
    ax.legend()
  return save_figure(fig, path)


def _nhwc(images) -> np.ndarray:
  """[N, H, W(, C)] images as float32 [N, H, W, C] clipped to [0, 1]."""
  x = np.clip(np.asarray(images, np.float32), 0, 1)
  return x[..., None] if x.ndim == 3 else x


LABEL_HEIGHT = 14  # pixels of the text strip above each image of a labelled grid
TITLE_HEIGHT = 18  # pixels of the title strip on top of a labelled grid
DPI = 100


def labelled_grid(images, nrow: int, pad: int = 1, min_size: int = MIN_SIDE,
                  title: bool = False) -> np.ndarray:
  """`image_grid` of images with a white strip of LABEL_HEIGHT pixels above
  each (upscaled, H' x W'), and a white title strip of TITLE_HEIGHT on top if
  title: [TITLE_HEIGHT + rows*(LABEL_HEIGHT+H'+pad)+pad, nrow*(W'+pad)+pad, C]."""
  x = upscale(_nhwc(images), min_size)
  strips = np.ones(x.shape[:1] + (LABEL_HEIGHT,) + x.shape[2:], np.float32)
  grid = image_grid(np.concatenate([strips, x], axis=1), nrow, pad, min_size=1)
  if title:
    grid = np.concatenate([np.ones((TITLE_HEIGHT,) + grid.shape[1:], np.float32), grid])
  return grid


def save_labelled_image_grid(images, labels, path: str, nrow: int = 8, pad: int = 1,
                             min_size: int = MIN_SIDE, title: str = "",
                             fontsize: float = 7.0) -> str:
  """Writes `labelled_grid` as an 8-bit PNG, one file pixel per grid pixel
  (image values round(255 v), as `save_image_grid`), each label centred in
  the strip above its image, the title in the top strip."""
  x = upscale(_nhwc(images), min_size)
  h, w = x.shape[1:3]
  grid = labelled_grid(x, nrow, pad, min_size=1, title=bool(title))
  if grid.shape[-1] == 1:
    grid = np.repeat(grid, 3, axis=-1)
  height, width = grid.shape[:2]
  fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
  fig.figimage(np.round(grid * 255).astype(np.uint8), 0, 0, origin="upper")
  top = TITLE_HEIGHT if title else 0
  for i, label in enumerate(labels):
    r, k = divmod(i, nrow)
    cx = pad + k * (w + pad) + w / 2
    cy = top + pad + r * (LABEL_HEIGHT + h + pad) + LABEL_HEIGHT / 2
    fig.text(cx / width, 1 - cy / height, label, ha="center", va="center",
             fontsize=fontsize)
  if title:
    fig.text(0.5, 1 - TITLE_HEIGHT / 2 / height, title, ha="center", va="center",
             fontsize=fontsize + 1)
  fig.savefig(path, dpi=DPI)
  plt.close(fig)
  return path


def save_lines(x, ys: Dict[str, np.ndarray], path: str, xlabel: str = "",
               ylabel: str = "", title: str = "") -> str:
  """Several named curves over the same x (e.g. W_hat of each split vs epoch)."""
  fig, ax = plt.subplots(figsize=(6, 4))
  for name, y in ys.items():
    ax.plot(np.asarray(x), np.asarray(y), marker="o", markersize=3, label=name)
  ax.set_xlabel(xlabel)
  ax.set_ylabel(ylabel)
  if title:
    ax.set_title(title)
  ax.legend()
  return save_figure(fig, path)
