"""Ben-Dov et al.'s one-way flow figures on images, and the train / test
overlap of the discriminator's log-density (Fig. 3, 4, 7, 8).

- Fig. 3: `train_test_overlap` of D(x)/w: the two-sample Kolmogorov-Smirnov
  statistic sup_t |F_train(t) - F_test(t)| and the difference of the means in
  units of the pooled standard deviation.
- Fig. 4: generated images sorted by D(x)/w, descending, each score above its
  image (`sorted_by_score`).
- Fig. 7: rows g_n(z_t, r), z_t = (1 - t) z_0 + t z_1 for t from 0 to 1, one
  noise r per row (`latent_interpolations`).
- Fig. 8: rows g_n(z, r_j): one latent z per row, a noise r_j per column
  (`noise_variations`; u = (z, r) of eq. 7).

Images are in the data space, clipped to [0, 1] as the model's `sample`.
`save_image_figures` writes the three PNGs and `oneway_figures.npz`: every
image drawn with the z, r and scores behind it.
"""

from typing import Callable, Dict

import numpy as np
import tensorflow as tf

from tfflowgan.evaluation import plots

NUM_SORTED = 64          # Fig. 4: random generated samples, 8 a row
SORTED_PER_ROW = 8
SCORED_MIN_SIDE = 56     # Fig. 4 images drawn >= 56 pixels a side, room for the score
NUM_ROWS = 8             # Fig. 7, 8: independent rows
NUM_COLUMNS = 10         # Fig. 7: interpolation steps; Fig. 8: noise vectors per z
ARRAYS_FILE = "oneway_figures.npz"


def ks_statistic(a, b) -> float:
  """Two-sample Kolmogorov-Smirnov statistic sup_t |F_a(t) - F_b(t)| of the
  empirical CDFs (the sup is reached at a sample point)."""
  a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
  t = np.concatenate([a, b])
  f_a = np.searchsorted(a, t, side="right") / a.size
  f_b = np.searchsorted(b, t, side="right") / b.size
  return float(np.max(np.abs(f_a - f_b)))


def standardized_mean_difference(a, b) -> float:
  """(mean a - mean b) / sqrt((var a + var b) / 2); 0 if both are constant."""
  a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
  pooled = np.sqrt(0.5 * (a.var() + b.var()))
  return float((a.mean() - b.mean()) / pooled) if pooled > 0 else 0.0


def train_test_overlap(train, test) -> dict:
  """Fig. 3's overlap of D(x)/w on train and test, finite values only."""
  train, test = (np.asarray(v, np.float64).ravel() for v in (train, test))
  train, test = train[np.isfinite(train)], test[np.isfinite(test)]
  if not (train.size and test.size):
    return {"num_train": int(train.size), "num_test": int(test.size)}
  return {"ks_statistic": ks_statistic(train, test),
          "mean_difference_in_pooled_std": standardized_mean_difference(train, test),
          "num_train": int(train.size), "num_test": int(test.size)}


def overlap_title(overlap: dict) -> str:
  """One line of `train_test_overlap` for the histogram's title."""
  if "ks_statistic" not in overlap:
    return ""
  return (f"train vs test: KS statistic {overlap['ks_statistic']:.3f}, means differ by "
          f"{overlap['mean_difference_in_pooled_std']:.3f} pooled std")


def generate(generator, u) -> np.ndarray:
  """g_n(u) for u [B, n] in inference mode, clipped to [0, 1] (images)."""
  x = generator(tf.convert_to_tensor(u, tf.float32), training=False)
  return np.clip(np.asarray(x, np.float32), 0.0, 1.0)


def sorted_by_score(samples, energy: Callable) -> Dict[str, np.ndarray]:
  """Fig. 4: samples sorted by energy (D(x)/w), descending; `indices` into samples."""
  scores = np.asarray(energy(samples), np.float64)
  order = np.argsort(-scores, kind="stable")
  return {"indices": order, "scores": scores[order], "images": np.asarray(samples)[order]}


def latent_interpolations(generator, rows: int, steps: int,
                          rng: np.random.Generator) -> Dict[str, np.ndarray]:
  """Fig. 7: images [rows, steps, ...] of g_n((1 - t) z_0 + t z_1, r), t in
  linspace(0, 1, steps), z_0, z_1 ~ N(0, I_d) and r ~ N(0, I_{n-d}) per row."""
  d, m = generator.latent_dim, generator.noise_dim
  z0, z1 = (rng.standard_normal((rows, d)).astype(np.float32) for _ in range(2))
  noise = rng.standard_normal((rows, m)).astype(np.float32)
  t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
  z = (1 - t) * z0[:, None] + t * z1[:, None]                        # [rows, steps, d]
  u = np.concatenate([z, np.broadcast_to(noise[:, None], (rows, steps, m))], -1)
  images = generate(generator, u.reshape(rows * steps, -1))
  return {"z0": z0, "z1": z1, "noise": noise, "weights": t.ravel(),
          "images": images.reshape((rows, steps) + images.shape[1:])}


def noise_variations(generator, rows: int, cols: int,
                     rng: np.random.Generator) -> Dict[str, np.ndarray]:
  """Fig. 8: images [rows, cols, ...] of g_n(z_i, r_ij): z_i ~ N(0, I_d) one
  per row, r_ij ~ N(0, I_{n-d}) one per image."""
  d, m = generator.latent_dim, generator.noise_dim
  z = rng.standard_normal((rows, d)).astype(np.float32)
  noise = rng.standard_normal((rows, cols, m)).astype(np.float32)
  u = np.concatenate([np.broadcast_to(z[:, None], (rows, cols, d)), noise], -1)
  images = generate(generator, u.reshape(rows * cols, -1))
  return {"latent": z, "noise": noise,
          "images": images.reshape((rows, cols) + images.shape[1:])}


def save_image_figures(generator, energy: Callable, samples, fig: Callable[[str], str],
                       seed: int = 0) -> dict:
  """Fig. 4, 7 and 8 as PNGs (`fig(name)` gives a path) and their arrays in
  `fig(ARRAYS_FILE)`; returns the eval.json entry with the figures' paths.

  samples: random generated images; the first NUM_SORTED are sorted (Fig. 4).
  energy: D(x)/w of a numpy batch."""
  rng = np.random.default_rng(seed)
  ranked = sorted_by_score(np.asarray(samples)[:NUM_SORTED], energy)
  interp = latent_interpolations(generator, NUM_ROWS, NUM_COLUMNS, rng)
  figures = [
      plots.save_labelled_image_grid(
          ranked["images"], [f"{s:.4g}" for s in ranked["scores"]],
          fig("oneway_sorted_by_discriminator.png"), nrow=SORTED_PER_ROW,
          min_size=SCORED_MIN_SIDE, title="generated samples by D(x)/w, descending"),
      plots.save_image_grid(_rows_flat(interp["images"]), fig("oneway_interpolations.png"),
                            nrow=NUM_COLUMNS)]
  arrays = {f"sorted_{k}": v for k, v in ranked.items()}
  arrays.update({f"interpolation_{k}": v for k, v in interp.items()})
  out = {"sorted_by_discriminator": {"scores": ranked["scores"].tolist(),
                                     "indices": ranked["indices"].tolist()},
         "interpolations": {"rows": NUM_ROWS, "steps": NUM_COLUMNS}}
  if generator.noise_dim:
    var = noise_variations(generator, NUM_ROWS, NUM_COLUMNS, rng)
    figures.append(plots.save_image_grid(_rows_flat(var["images"]),
                                         fig("oneway_noise_variations.png"),
                                         nrow=NUM_COLUMNS))
    arrays.update({f"noise_variation_{k}": v for k, v in var.items()})
    out["noise_variations"] = {"rows": NUM_ROWS, "noise_vectors": NUM_COLUMNS}
  else:
    out["noise_variations"] = {"skipped": "latent_dim = n: the generator has no noise r"}
  np.savez(fig(ARRAYS_FILE), **arrays)
  out["arrays"] = fig(ARRAYS_FILE)
  out["figures"] = figures
  return out


def _rows_flat(images):
  """[rows, cols, H, W, C] -> [rows * cols, H, W, C], row by row."""
  return images.reshape((-1,) + images.shape[2:])
