"""Inferred latents and partial reconstructions of a flow (Danihelka et al.
2017, Sec. 3.3-3.4, Fig. 7-8).

- Latent statistics: z = f(x) for held-out data. If the model fitted the data,
  these z follow the prior (N(0, 1): mean 0, std 1 per dimension). Danihelka
  et al. found mu ~ 0.05, sigma ~ 1.05 for an MLE-trained NVP3 and sigma up to
  9 for a WGAN-trained one. Figure: a 2D histogram of two coordinates beside
  the same histogram of prior samples.
- Partial reconstructions: infer z, resample a fraction of its coordinates
  (the first or the second half of the flat z; factored-out multi-scale parts
  come first) from the prior and decode. With nothing resampled the flow
  reconstructs x exactly (up to float error).

The generator needs `encode(x) -> z [B, D]`, `decode(z)`, `sample_latent(n,
seed)` and `prior_name` ('normal' or 'logistic') as `FlowGenerator` has.
"""

import math
from typing import Dict, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np
import tensorflow as tf

from tfflowgan.evaluation import plots

# Mean and std of one coordinate under each prior.
PRIOR_MOMENTS = {"normal": (0.0, 1.0), "logistic": (0.0, math.pi / math.sqrt(3.0))}


def infer_latents(generator, x, batch_size: int = 500) -> np.ndarray:
  """z = f(x), flat [N, D] float64."""
  x = np.asarray(x, np.float32)
  return np.concatenate([np.asarray(generator.encode(x[i:i + batch_size]), np.float64)
                         for i in range(0, len(x), batch_size)])


def latent_statistics(z, prior_name: str = "normal", dims: Sequence[int] = (0, 1)) -> Dict:
  """Per-dimension and overall moments of inferred z, against the prior's.

  Returns per-dim means/stds (lists), their summaries, the overall mean/std of
  all entries, the prior's mean/std, and Danihelka's mu_i, sigma_i for `dims`.
  """
  z = np.asarray(z, np.float64)
  mean_d, std_d = z.mean(0), z.std(0)
  prior_mean, prior_std = PRIOR_MOMENTS.get(prior_name, (float("nan"), float("nan")))
  return {
      "num_examples": int(z.shape[0]), "num_dims": int(z.shape[1]),
      "prior": prior_name, "prior_mean": prior_mean, "prior_std": prior_std,
      "mean": float(z.mean()), "std": float(z.std()),
      "per_dim_mean": mean_d.tolist(), "per_dim_std": std_d.tolist(),
      "per_dim_mean_abs_max": float(np.abs(mean_d).max()),
      "per_dim_std_min": float(std_d.min()), "per_dim_std_max": float(std_d.max()),
      "per_dim_std_median": float(np.median(std_d)),
      "selected_dims": {f"z[{d}]": {"mean": float(mean_d[d]), "std": float(std_d[d])}
                        for d in dims if d < z.shape[1]},
  }


def resample_mask(num_dims: int, fraction: float = 0.5, part: str = "first") -> np.ndarray:
  """Boolean [D]: True where z is resampled, the first or last round(fraction D)."""
  k = int(round(fraction * num_dims))
  mask = np.zeros(num_dims, bool)
  if k:
    if part == "first":
      mask[:k] = True
    elif part == "second":
      mask[num_dims - k:] = True
    else:
      raise ValueError(f"part must be 'first' or 'second', got {part!r}")
  return mask


def partial_reconstructions(generator, x, fraction: float = 0.5, part: str = "first",
                            seed: int = 0):
  """(reconstructions, z, z_partial): decode(z with `part` resampled from the prior).

  fraction 0 gives the plain reconstruction decode(encode(x)).
  """
  x = tf.convert_to_tensor(np.asarray(x, np.float32))
  z = generator.encode(x)
  mask = resample_mask(int(z.shape[-1]), fraction, part)
  fresh = generator.sample_latent(int(z.shape[0]), seed=tf.constant([seed, 7]))
  z_partial = tf.where(tf.constant(mask)[None], tf.cast(fresh, z.dtype), z)
  return generator.decode(z_partial).numpy(), z.numpy(), z_partial.numpy()


def save_latent_histogram(z, path: str, dims: Sequence[int] = (0, 1),
                          prior_samples=None, bins: Optional[int] = None) -> str:
  """2D histograms of z[dims[0]], z[dims[1]] for data (and prior samples), Fig. 7."""
  z = np.asarray(z)
  bins = bins or (20 if len(z) < 2000 else 40)
  panels = [("inferred z (data)", z)]
  if prior_samples is not None:
    panels.append(("prior samples", np.asarray(prior_samples)))
  lim = max(4.0, float(np.percentile(np.abs(z[:, list(dims)]), 99)))
  fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4.2), squeeze=False)
  for ax, (title, v) in zip(axes[0], panels):
    ax.hist2d(v[:, dims[0]], v[:, dims[1]], bins=bins, range=[[-lim, lim], [-lim, lim]],
              cmap="viridis")
    ax.set_xlabel(f"z[{dims[0]}]")
    ax.set_ylabel(f"z[{dims[1]}]")
    m, s = v[:, list(dims)].mean(0), v[:, list(dims)].std(0)
    ax.set_title(f"{title}\nmu=({m[0]:.2f}, {m[1]:.2f}) sigma=({s[0]:.2f}, {s[1]:.2f})",
                 fontsize=9)
    ax.set_aspect("equal")
  return plots.save_figure(fig, path)


def save_reconstruction_grid(originals, rows: Dict[str, np.ndarray], path: str) -> str:
  """PNG grid, one row per entry: originals first, then each reconstruction row
  (e.g. 'first half resampled', 'second half resampled'), Fig. 8."""
  images = [np.asarray(originals)] + [np.asarray(r) for r in rows.values()]
  n = len(images[0])
  return plots.save_image_grid(np.concatenate(images, 0), path, nrow=n)


def latent_report(generator, x, out_dir: Optional[str] = None, num_images: int = 16,
                  fraction: float = 0.5, seed: int = 0, is_image: bool = True,
                  prefix: str = "") -> Dict:
  """Statistics of z = f(x), reconstruction errors, and the two figures."""
  z = infer_latents(generator, x)
  prior_name = getattr(generator, "prior_name", "normal")
  out = {"statistics": latent_statistics(z, prior_name)}
  xs = np.asarray(x[:num_images], np.float32)
  full, _, _ = partial_reconstructions(generator, xs, 0.0, seed=seed)
  out["full_reconstruction_max_abs_error"] = float(np.abs(full - xs).max())
  rows = {}
  for part in ("first", "second"):
    rec, _, _ = partial_reconstructions(generator, xs, fraction, part, seed)
    rows[f"{part} {fraction:g} resampled"] = np.clip(rec, 0.0, 1.0)
  out["resampled_fraction"] = fraction
  if out_dir is not None:
    prior = generator.sample_latent(len(z), seed=tf.constant([seed, 3])).numpy()
    out["figures"] = [save_latent_histogram(
        z, f"{out_dir}/{prefix}latent_hist2d.png", prior_samples=prior)]
    if is_image:
      out["figures"].append(save_reconstruction_grid(
          xs, rows, f"{out_dir}/{prefix}partial_reconstructions.png"))
  return out
