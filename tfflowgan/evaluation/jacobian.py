"""Jacobian analysis of a generator x = g(z): singular values, conditioning, log|det|, rank.

Flow-GAN (Grover et al. 2018) inspects the singular values of dg/dz at prior
samples (ill-conditioned for adversarial training); Danihelka et al. (2017,
Fig. 17) show the WGAN generator's Jacobian has low numerical rank. Event shapes
are flattened: J has shape [B, M, N] with M = prod(x event), N = prod(z event).
`batch_jacobian` assumes example i of x depends only on example i of z (no
batch statistics). The analysis runs in float64 on the float32 Jacobian.
"""

from typing import Callable, Dict, Optional, Tuple

import numpy as np
import tensorflow as tf


def generator_jacobian(g: Callable, z, use_pfor: bool = True,
                       rows_per_pass: Optional[int] = None) -> tf.Tensor:
  """Full Jacobian dg(z)/dz for each example: [B, M, N] (float64).

  rows_per_pass: output rows per vectorized backward pass (one forward pass
  is shared; the passes' memory grows with B x rows_per_pass, not B x M); None:
  all M rows at once."""
  z = tf.convert_to_tensor(z)
  b = tf.shape(z)[0]
  with tf.GradientTape(persistent=rows_per_pass is not None) as tape:
    tape.watch(z)
    x = tf.reshape(g(z), [b, -1])
    m = int(x.shape[1])
    step = m if rows_per_pass is None else max(1, int(rows_per_pass))
    blocks = [x[:, a:a + step] for a in range(0, m, step)]
  jac = tf.concat([tape.batch_jacobian(blk, z, experimental_use_pfor=use_pfor)
                   for blk in blocks], axis=1)
  del tape
  return tf.cast(tf.reshape(jac, [b, m, -1]), tf.float64)


def singular_values(jac) -> np.ndarray:
  """Singular values of each [M, N] Jacobian, descending: [B, min(M, N)]."""
  return tf.linalg.svd(tf.cast(jac, tf.float64), compute_uv=False).numpy()


def condition_number(s) -> np.ndarray:
  """s_max / s_min per example (inf when s_min is 0)."""
  s = np.asarray(s)
  with np.errstate(divide="ignore"):
    return s.max(-1) / s.min(-1)


def log_abs_det_from_singular_values(s) -> np.ndarray:
  """log|det J| = sum_i log s_i (square J)."""
  with np.errstate(divide="ignore"):
    return np.log(np.asarray(s)).sum(-1)


def slogdet(jac) -> Tuple[np.ndarray, np.ndarray]:
  """(sign of det J, log|det J|) via LU (tf.linalg.slogdet, float64); square J only."""
  sign, log_abs = tf.linalg.slogdet(tf.cast(jac, tf.float64))
  return sign.numpy(), log_abs.numpy()


def numerical_rank(s, shape, tol: Optional[float] = None,
                   eps: float = float(np.finfo(np.float32).eps)) -> np.ndarray:
  """Count of s > tol * s_max; default tol = max(M, N) * eps as numpy.linalg.matrix_rank.

  eps defaults to float32's (the precision the generator computes in).
  """
  s = np.asarray(s)
  rtol = max(shape[-2:]) * eps if tol is None else tol
  return (s > rtol * s.max(-1, keepdims=True)).sum(-1)


def jacobian_summary(g: Callable, z, batch_size: int = 16, tol: Optional[float] = None,
                     rows_per_pass: Optional[int] = None) -> Dict[str, np.ndarray]:
  """Per-example singular values, condition numbers, log|det| and rank over z.

  z: prior samples [B, ...] (e.g. `prior.sample(B)`), processed in chunks of
  batch_size (and `rows_per_pass` output rows a backward pass, as
  `generator_jacobian`). Returns arrays per example plus summaries (`log_abs_det_mean`,
  `log10_condition_median`, `rank_min`, and per-index mean/std of log singular
  values for a Fig. 17 plot via `plots.save_curve_with_errorbars`).
  `log_abs_det_slogdet` and `det_sign` only when square; for non-square J,
  `log_abs_det` is sum log s = 0.5 log det(J^T J), the volume change onto the image.
  """
  parts = {"singular_values": [], "log_abs_det_slogdet": [], "det_sign": []}
  shape = None
  for a in range(0, int(z.shape[0]), batch_size):
    jac = generator_jacobian(g, z[a:a + batch_size], rows_per_pass=rows_per_pass)
    shape = tuple(jac.shape[1:])
    parts["singular_values"].append(singular_values(jac))
    if shape[0] == shape[1]:
      sign, log_abs = slogdet(jac)
      parts["det_sign"].append(sign)
      parts["log_abs_det_slogdet"].append(log_abs)
  s = np.concatenate(parts["singular_values"])
  out = {"jacobian_shape": np.array(shape), "singular_values": s,
         "condition_number": condition_number(s),
         "log_abs_det": log_abs_det_from_singular_values(s),
         "rank": numerical_rank(s, shape, tol)}
  if parts["log_abs_det_slogdet"]:
    out["log_abs_det_slogdet"] = np.concatenate(parts["log_abs_det_slogdet"])
    out["det_sign"] = np.concatenate(parts["det_sign"])
  with np.errstate(divide="ignore"):
    out["log10_condition_median"] = np.median(np.log10(out["condition_number"]))
    out["log_singular_values_mean"] = np.log(s).mean(0)  # per index, Fig. 17 style
    out["log_singular_values_std"] = np.log(s).std(0)
  out["log_abs_det_mean"] = out["log_abs_det"].mean()
  out["rank_min"] = out["rank"].min()
  return out
