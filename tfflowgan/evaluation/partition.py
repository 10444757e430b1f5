"""Importance-sampled partition function of an energy model (Ben-Dov et al.
eq. 2, Fig. 2).

For an unnormalized log-density f(x) (the one-way flow critic's D(x) / w) and a
proposal q that can sample and score its samples,

  zeta = E_{y ~ q}[exp(f(y)) / q(y)] ~ (1/S) sum_s exp(f(y_s) - log q(y_s)),

computed in log space (log-sum-exp, accumulated in float64 over chunks).
`log_zeta_curve` repeats the estimate for several S to show its spread (Fig. 2:
standard normal, generator and true-density proposals). A proposal is any
callable `proposal(m) -> (samples [m, ...], log_q [m])`; the estimator and
the generator / normal proposals live in `objectives.importance`.
"""

from typing import Callable, Dict, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np

from tfflowgan.data import toy2d
from tfflowgan.evaluation import plots
from tfflowgan.objectives.importance import (  # noqa: F401  (re-exported)
    Proposal, estimate_log_zeta, generator_proposal, normal_proposal)


def log_zeta_curve(log_unnormalized: Callable, proposal: Proposal,
                   sample_sizes: Sequence[int] = (1, 10, 100, 1000, 10000),
                   repeats: int = 10, chunk_size: int = 10000) -> Dict[str, np.ndarray]:
  """log zeta estimates vs S with spread over `repeats` independent runs.

  Returns {'num_samples' [L], 'values' [L, repeats], 'mean' [L], 'std' [L]}.
  """
  values = np.array([[estimate_log_zeta(log_unnormalized, proposal, s, chunk_size)
                      for _ in range(repeats)] for s in sample_sizes])
  return {"num_samples": np.asarray(sample_sizes), "values": values,
          "mean": values.mean(1), "std": values.std(1)}


def mixture_proposal(mixture, seed: int = 0) -> Proposal:
  """The true 2D mixture density ('ring', 'grid' or a `toy2d.Mixture`)."""
  rng = np.random.default_rng(seed)

  def proposal(m):
    y = toy2d.sample(mixture, m, seed=int(rng.integers(2 ** 31)))
    return y, toy2d.log_prob(mixture, y).numpy()
  return proposal


def save_log_zeta_curves(path: str, curves: Dict[str, Dict[str, np.ndarray]],
                         reference: Optional[float] = None, title: str = "") -> str:
  """PNG of log zeta vs S (log x axis), +-std error bars per proposal (Fig. 2)."""
  fig, ax = plt.subplots(figsize=(6, 4))
  for name, c in curves.items():
    ax.errorbar(c["num_samples"], c["mean"], yerr=c["std"], marker="o",
                capsize=3, label=name)
  if reference is not None:
    ax.axhline(reference, color="k", linestyle="--", label="true log zeta")
  ax.set_xscale("log")
  ax.set_xlabel("number of samples S")
  ax.set_ylabel("log zeta estimate")
  ax.set_title(title)
  ax.legend()
  return plots.save_figure(fig, path)
