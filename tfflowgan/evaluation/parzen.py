"""Flow-GAN's Parzen-window / GMM baseline and the bits/dim conversion.

Grover et al. (2018, Sec. "Empirical evaluation"): a Gaussian of fixed isotropic
bandwidth sigma at every training point; its held-out NLL, swept over sigma, is
compared with adversarially trained flows. Log-densities use log-sum-exp over
training points, computed in blocks of test x train points (float64), so a
60k x 784 training set never needs an [N_test, N_train, D] tensor.
"""

import dataclasses
import math
from typing import Optional, Sequence

import numpy as np
from scipy.special import logsumexp


def bits_per_dim(log_prob, num_dims: int, levels: Optional[int] = None):
  """Discrete-space bits/dim from a continuous log-density on [0,1]^D (nats).

  bits/dim = -(log p - D log(levels)) / (D ln 2); levels=None (continuous data)
  drops the discretization term. A uniform density on [0,1]^D gives log2(levels).
  """
  lp = np.asarray(log_prob, np.float64)
  disc = num_dims * math.log(levels) if levels else 0.0
  return -(lp - disc) / (num_dims * math.log(2.0))


def parzen_log_prob(x_test, x_train, sigma: float, test_batch: int = 1000,
                    train_batch: int = 10000) -> np.ndarray:
  """log p(x) = logsumexp_i(-||x - x_i||^2 / (2 sigma^2)) - log N - D/2 log(2 pi sigma^2).

  Returns float64 [N_test]. Memory: blocks of [test_batch, train_batch] only.
  """
  xt = np.asarray(x_test, np.float64).reshape(len(x_test), -1)
  xr = np.asarray(x_train, np.float64).reshape(len(x_train), -1)
  n, d = xr.shape
  const = -math.log(n) - 0.5 * d * math.log(2 * math.pi * sigma ** 2)
  sq_tr = np.einsum("ij,ij->i", xr, xr)
  out = np.empty(len(xt))
  for a in range(0, len(xt), test_batch):
    q = xt[a:a + test_batch]
    sq_q = np.einsum("ij,ij->i", q, q)
    acc = np.full(len(q), -np.inf)
    for b in range(0, n, train_batch):
      dist = sq_q[:, None] + sq_tr[None, b:b + train_batch] - 2 * q @ xr[b:b + train_batch].T
      block = logsumexp(-np.maximum(dist, 0) / (2 * sigma ** 2), axis=1)
      acc = np.logaddexp(acc, block)
    out[a:a + test_batch] = acc + const
  return out


@dataclasses.dataclass
class ParzenSweep:
  """Mean NLL per sigma (nats per example, and bits/dim when levels is known)."""
  sigmas: np.ndarray
  valid_nll: np.ndarray
  test_nll: np.ndarray
  valid_bits_per_dim: Optional[np.ndarray]
  test_bits_per_dim: Optional[np.ndarray]
  best_sigma: float          # argmin of the validation NLL
  best_test_nll: float
  best_test_bits_per_dim: Optional[float]


def parzen_sweep(x_train, x_valid, x_test, sigmas: Sequence[float],
                 levels: Optional[int] = None, **batch_kwargs) -> ParzenSweep:
  """Bandwidth sweep: validation picks sigma, the test NLL at it is reported."""
  d = int(np.prod(np.shape(x_train)[1:]))
  sig = np.asarray(sigmas, np.float64)
  lv = [parzen_log_prob(x_valid, x_train, s, **batch_kwargs) for s in sig]
  lt = [parzen_log_prob(x_test, x_train, s, **batch_kwargs) for s in sig]
  vn = -np.array([v.mean() for v in lv])
  tn = -np.array([t.mean() for t in lt])
  k = int(np.argmin(vn))
  vb = tb = None
  if levels is not None:
    vb = np.array([bits_per_dim(v, d, levels).mean() for v in lv])
    tb = np.array([bits_per_dim(t, d, levels).mean() for t in lt])
  return ParzenSweep(sig, vn, tn, vb, tb, float(sig[k]), float(tn[k]),
                     None if tb is None else float(tb[k]))
