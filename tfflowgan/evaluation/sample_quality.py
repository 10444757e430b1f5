"""Sample-quality metrics from feature-network outputs: FID, KID, Inception and
MODE scores, precision / recall and density / coverage.

`tensorflow-gan` (which offered these) fails at import on TensorFlow >= 2.16
(`tf.estimator` was removed), so these are the library's own numpy (float64)
implementations, tested against scipy / brute force. Inputs are activations or
classifier outputs from `feature_nets` (InceptionV3 pool features / logits, or
the library's digits/MNIST classifier). Flow-GAN (Grover et al. 2018) reports
Inception (Salimans et al. 2016) and MODE (Che et al. 2017) scores.
Precision / recall (Kynkaanniemi et al. 2019) and density / coverage (Naeem
et al. 2020) compare k-nearest-neighbour balls of the two feature sets.
"""

from typing import Dict, Optional, Tuple

import numpy as np
from scipy.special import log_softmax


def _as2d(x) -> np.ndarray:
  x = np.asarray(x, np.float64)
  return x.reshape(x.shape[0], -1)


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
  """Symmetric square root of a symmetric PSD matrix via eigh (negatives clipped)."""
  w, v = np.linalg.eigh((m + m.T) / 2)
  return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2) -> float:
  """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}) (Heusel et al. 2017, FID).

  sqrtm-free: Tr (S1 S2)^{1/2} = sum sqrt(eig(S1^{1/2} S2 S1^{1/2})), a PSD matrix
  with the same eigenvalues as S1 S2, so no complex parts appear.
  """
  mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
  s1 = np.atleast_2d(np.asarray(sigma1, np.float64))
  s2 = np.atleast_2d(np.asarray(sigma2, np.float64))
  r1 = _sqrt_psd(s1)
  eig = np.linalg.eigvalsh(r1 @ s2 @ r1)
  tr_covmean = np.sqrt(np.clip(eig, 0, None)).sum()
  d = mu1 - mu2
  return float(d @ d + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)


def frechet_distance(act1, act2) -> float:
  """FID between two sets of activations [N, F] (sample means, unbiased covariances)."""
  a1, a2 = _as2d(act1), _as2d(act2)
  return frechet_distance_from_moments(
      a1.mean(0), np.cov(a1, rowvar=False), a2.mean(0), np.cov(a2, rowvar=False))


def _poly_kernel(x, y):
  return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x, y) -> float:
  """Unbiased MMD^2 with the cubic kernel k(x, y) = (x.y / d + 1)^3 (Binkowski et al. 2018)."""
  x, y = _as2d(x), _as2d(y)
  m, n = x.shape[0], y.shape[0]
  kxx, kyy, kxy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
  return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
               + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
               - 2 * kxy.mean())


def kernel_inception_distance(act1, act2, num_subsets: int = 100,
                              subset_size: int = 1000,
                              seed: Optional[int] = 0) -> Tuple[float, float]:
  """KID: mean and std of unbiased MMD^2 over random subsets (without replacement).

  subset_size is capped at the smaller set's size; with num_subsets=1 and
  subset_size >= both sizes it is the MMD^2 of the full sets.
  """
  a1, a2 = _as2d(act1), _as2d(act2)
  size = min(subset_size, a1.shape[0], a2.shape[0])
  rng = np.random.default_rng(seed)
  vals = []
  for _ in range(num_subsets):
    i = rng.choice(a1.shape[0], size, replace=False)
    j = rng.choice(a2.shape[0], size, replace=False)
    vals.append(mmd2_unbiased(a1[np.sort(i)], a2[np.sort(j)]))
  return float(np.mean(vals)), float(np.std(vals))


def _sq_dists(a, b) -> np.ndarray:
  """Squared Euclidean distances [len(a), len(b)] (negative round-off clipped)."""
  d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
  return np.maximum(d, 0)


def _chunks(n: int, chunk_size: int):
  return (slice(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size))


def _knn_sq_radii(x, k: int, chunk_size: int) -> np.ndarray:
  if not 1 <= k < len(x):
    raise ValueError(f"k = {k} needs 1 <= k < the number of points ({len(x)})")
  # Column 0 of each sorted row is the point itself (distance 0).
  return np.concatenate([np.partition(_sq_dists(x[c], x), k, axis=1)[:, k]
                         for c in _chunks(len(x), chunk_size)])


def knn_radii(x, k: int = 5, chunk_size: int = 1000) -> np.ndarray:
  """Distance of every row of x [N, F] to its k-th nearest other row: the
  radius of its k-NN ball (Kynkaanniemi et al. 2019; Naeem et al. 2020, k = 5).
  Distances are computed chunk_size rows at a time."""
  return np.sqrt(_knn_sq_radii(_as2d(x), k, chunk_size))


def precision_recall_density_coverage(real, fake, k: int = 5, chunk_size: int = 1000
                                      ) -> Dict[str, float]:
  """Manifold metrics of fake [M, F] against real [N, F] features, closed k-NN
  balls B(x, r_k(x)) within each set:

  precision = share of fakes inside some real ball, recall = share of reals
  inside some fake ball (Kynkaanniemi et al. 2019); density = (1 / (k M)) sum
  over fakes of the number of real balls holding it, coverage = share of reals
  whose ball holds a fake (Naeem et al. 2020). Distances chunk_size reals at a time.
  """
  x, y = _as2d(real), _as2d(fake)
  rx, ry = _knn_sq_radii(x, k, chunk_size), _knn_sq_radii(y, k, chunk_size)
  in_real_balls = np.zeros(len(y), np.int64)  # per fake: real balls holding it
  recalled, covered = [], []
  for c in _chunks(len(x), chunk_size):
    d = _sq_dists(x[c], y)
    in_ball = d <= rx[c, None]
    in_real_balls += in_ball.sum(0)
    covered.append(in_ball.any(1))
    recalled.append((d <= ry[None]).any(1))
  return {"precision": float((in_real_balls > 0).mean()),
          "recall": float(np.concatenate(recalled).mean()),
          "density": float(in_real_balls.sum() / (k * len(y))),
          "coverage": float(np.concatenate(covered).mean())}


def _log_probs(logits=None, probs=None) -> np.ndarray:
  if (logits is None) == (probs is None):
    raise ValueError("Pass exactly one of logits or probs.")
  if logits is not None:
    return log_softmax(np.asarray(logits, np.float64), axis=-1)
  p = np.asarray(probs, np.float64)
  with np.errstate(divide="ignore"):
    return np.log(p / p.sum(-1, keepdims=True))


def _kl_rows(logp, logq) -> np.ndarray:
  """KL(p_i || q) per row, with 0 log 0 = 0."""
  p = np.exp(logp)
  with np.errstate(invalid="ignore"):
    return np.where(p > 0, p * (logp - logq), 0.0).sum(-1)


def _marginal_log(logp) -> np.ndarray:
  with np.errstate(divide="ignore"):
    return np.log(np.exp(logp).mean(0))


def inception_score(logits=None, probs=None, num_splits: int = 10
                    ) -> Tuple[float, float]:
  """IS = exp(E_x KL(p(y|x) || p(y))) (Salimans et al. 2016), mean/std over splits.

  Give classifier logits or probabilities [N, K]; p(y) is the split's marginal.
  Uniform predictions give 1; confident predictions over k balanced classes give k.
  """
  logp = _log_probs(logits, probs)
  scores = [np.exp(_kl_rows(part, _marginal_log(part)).mean())
            for part in np.array_split(logp, num_splits)]
  return float(np.mean(scores)), float(np.std(scores))


def mode_score(train_label_probs, logits=None, probs=None, num_splits: int = 1
               ) -> Tuple[float, float]:
  """MODE score (Che et al. 2017): exp(E_x KL(p(y|x) || p*(y)) - KL(p(y) || p*(y))).

  train_label_probs: p*(y) [K], the label distribution of the training set
  (see `label_distribution`); p(y) is the marginal of the predictions.
  Returns mean and std over splits.
  """
  logp = _log_probs(logits, probs)
  pstar = np.asarray(train_label_probs, np.float64)
  with np.errstate(divide="ignore"):
    logq = np.log(pstar / pstar.sum())
  scores = []
  for part in np.array_split(logp, num_splits):
    marg = _marginal_log(part)
    scores.append(np.exp(_kl_rows(part, logq).mean()
                         - _kl_rows(marg[None], logq)[0]))
  return float(np.mean(scores)), float(np.std(scores))


def label_distribution(labels, num_classes: int) -> np.ndarray:
  """p*(y): the empirical distribution of integer labels."""
  counts = np.bincount(np.asarray(labels).astype(int), minlength=num_classes)
  return counts / counts.sum()
