"""Per-example NLL and bits/dim of a model with `log_prob(x)` over a data set.

x is dequantized data on [0,1]^D and `log_prob` its continuous log-density
(nats); bits/dim are in the discrete space (see `parzen.bits_per_dim`).
Non-finite log-probabilities (a WGAN-trained flow can give -inf, Danihelka et
al. 2017 Sec. 3.2) are kept and counted, never dropped: `mean_*` is over all
examples (inf/nan if any is), `mean_*_finite` over the finite ones. The
histogram is Danihelka et al.'s Fig. 6.
"""

import dataclasses
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from tfflowgan.evaluation import plots
from tfflowgan.evaluation.parzen import bits_per_dim


@dataclasses.dataclass
class LikelihoodReport:
  log_prob: np.ndarray          # [N] nats, continuous density on [0,1]^D
  nll: np.ndarray               # [N] -log_prob, nats per example (Flow-GAN's unit)
  bits_per_dim: np.ndarray      # [N]
  count: int
  count_nonfinite: int
  mean_nll: float               # over all examples
  mean_bits_per_dim: float      # over all examples
  mean_nll_finite: float
  mean_bits_per_dim_finite: float
  std_bits_per_dim_finite: float

  def summary(self) -> Dict[str, float]:
    return {k: v for k, v in dataclasses.asdict(self).items()
            if not isinstance(v, np.ndarray)}


def summarize_log_probs(log_prob, num_dims: int,
                        levels: Optional[int] = None) -> LikelihoodReport:
  """Builds the report from per-example log-densities (nats)."""
  lp = np.asarray(log_prob, np.float64).ravel()
  bpd = bits_per_dim(lp, num_dims, levels)
  nll = -lp
  fin = np.isfinite(bpd)
  with np.errstate(invalid="ignore"):
    mean_all_nll, mean_all_bpd = float(nll.mean()), float(bpd.mean())
  nan = float("nan")
  return LikelihoodReport(
      lp, nll, bpd, int(lp.size), int((~fin).sum()), mean_all_nll, mean_all_bpd,
      float(nll[fin].mean()) if fin.any() else nan,
      float(bpd[fin].mean()) if fin.any() else nan,
      float(bpd[fin].std()) if fin.any() else nan)


def evaluate_log_likelihood(model, data, spec, batch_size: int = 256,
                            preprocess: Optional[Callable] = None) -> LikelihoodReport:
  """Per-example NLL / bits/dim of `model.log_prob` (or a callable) over `data`.

  data: an array [N, ...] (batched here) or a `tf.data.Dataset` of batches
  (elements x or (x, ...)). spec: has `num_dims` and `levels` (a `DataSpec`).
  preprocess: optional map applied to each batch first (e.g. dequantization).
  """
  log_prob = model.log_prob if hasattr(model, "log_prob") else model
  if isinstance(data, tf.data.Dataset):
    batches = data
  else:
    arr = np.asarray(data)
    batches = (arr[i:i + batch_size] for i in range(0, len(arr), batch_size))
  out = []
  for x in batches:
    if isinstance(x, (tuple, list)):
      x = x[0]
    if preprocess is not None:
      x = preprocess(x)
    out.append(np.asarray(log_prob(x), np.float64).reshape(-1))
  return summarize_log_probs(np.concatenate(out), spec.num_dims, spec.levels)


def save_nll_histogram(reports: Dict[str, LikelihoodReport], path: str,
                       unit: str = "bits/dim", log_y: bool = False) -> str:
  """Histogram of per-example NLL (Danihelka et al. Fig. 6); unit 'bits/dim' or 'nats'."""
  key = "bits_per_dim" if unit == "bits/dim" else "nll"
  return plots.save_histogram({k: getattr(r, key) for k, r in reports.items()},
                              path, f"negative log-likelihood ({unit})", log_y=log_y)
