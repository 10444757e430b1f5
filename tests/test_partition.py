"""Importance-sampled log zeta (Ben-Dov et al. eq. 2, Fig. 2)."""

import numpy as np

from tfflowgan.data import toy2d
from tfflowgan.evaluation import partition


def test_true_density_proposal_recovers_c_exactly():
  """D/w = log p_true + c with p_true as proposal: every weight is e^c."""
  c = 3.7
  f = lambda x: toy2d.log_prob("grid", x).numpy() + c
  for s in (1, 10, 1000):
    est = partition.estimate_log_zeta(f, partition.mixture_proposal("grid", seed=s), s)
    assert abs(est - c) < 1e-4


def test_error_shrinks_with_num_samples():
  """Proposal = the grid mixture broadened to std 0.08 (weights <= 2.56):
  the spread of log zeta estimates falls like S^-1/2 and the mean converges."""
  c = -1.3
  f = lambda x: toy2d.log_prob("grid", x).numpy() + c
  broad = toy2d.Mixture("grid", toy2d.MIXTURES["grid"].means, 0.08)
  curve = partition.log_zeta_curve(f, partition.mixture_proposal(broad, seed=0),
                                   sample_sizes=(10, 100, 1000), repeats=20)
  assert curve["values"].shape == (3, 20)
  err = np.abs(curve["values"] - c).mean(1)
  assert err[0] > err[1] > err[2]
  assert err[2] < 0.03 and abs(curve["mean"][2] - c) < 0.02
  assert curve["std"][2] < curve["std"][0] / 4


def test_standard_normal_proposal_for_a_gaussian():
  """f = log N(x; 0, 0.5^2 I) + c under N(0, I): bounded weights, converges to c."""
  c = 2.0
  f = lambda x: (-0.5 * np.sum(x ** 2, 1) / 0.25 - np.log(2 * np.pi * 0.25)) + c
  est = partition.estimate_log_zeta(f, partition.normal_proposal((2,), seed=0), 20000,
                                    chunk_size=3000)
  assert abs(est - c) < 0.05
  y, log_q = partition.normal_proposal((2,), scale=2.0, seed=1)(5)
  ref = -0.5 * np.sum(y.astype(np.float64) ** 2, 1) / 4 - np.log(2 * np.pi * 4)
  np.testing.assert_allclose(log_q, ref, rtol=1e-5)


def test_curve_plot(tmp_path):
  f = lambda x: toy2d.log_prob("ring", x).numpy()
  curves = {"true density": partition.log_zeta_curve(
      f, partition.mixture_proposal("ring"), (1, 10), repeats=3)}
  path = partition.save_log_zeta_curves(str(tmp_path / "zeta.png"), curves, reference=0.0)
  assert (tmp_path / "zeta.png").stat().st_size > 1000 and path.endswith("zeta.png")
