"""Annealed importance sampling of log zeta on the unit cube
(`evaluation.ais`) against closed forms."""

import math

import numpy as np
import tensorflow as tf
from scipy.stats import norm

from tfflowgan.evaluation import ais


def _two_bumps(n, s=0.05, c=(0.3, 0.7), weight=0.3):
  """log of weight N(c1 1, s^2 I) + (1 - weight) N(c2 1, s^2 I) up to the
  Gaussians' normalizers, and its exact log-integral over [0, 1]^n."""
  def energy(x):
    x = tf.reshape(x, [-1, n])
    logs = [-tf.reduce_sum((x - ci) ** 2, 1) / (2 * s * s) + math.log(wi)
            for ci, wi in zip(c, (weight, 1 - weight))]
    return tf.reduce_logsumexp(tf.stack(logs), 0)
  mass = lambda ci: s * math.sqrt(2 * math.pi) * (norm.cdf((1 - ci) / s) - norm.cdf(-ci / s))
  exact = math.log(weight * mass(c[0]) ** n + (1 - weight) * mass(c[1]) ** n)
  return energy, exact


def test_log_zeta_of_two_truncated_bumps_matches_the_closed_form():
  energy, exact = _two_bumps(16, c=(0.3, 0.97))  # the second bump cut by the faces
  r = ais.ais_log_zeta(energy, (4, 4), num_chains=256, num_temps=500, seed=0)
  assert abs(r["log_zeta"] - exact) < max(0.3, 3 * r["log_zeta_std"]), (r, exact)
  assert r["log_zeta_upper"] > exact - 0.3 and r["log_zeta_upper"] - r["log_zeta"] < 0.5, r
  assert 0.3 < r["accept"] < 0.95 and r["ess"] > 1


def test_few_temperatures_bracket_widely_and_more_narrowly():
  energy, exact = _two_bumps(32)
  few = ais.ais_log_zeta(energy, (32,), num_chains=128, num_temps=10, seed=1)
  many = ais.ais_log_zeta(energy, (32,), num_chains=128, num_temps=1500, seed=1)
  assert few["log_zeta"] < exact - 5 < exact + 5 < few["log_zeta_upper"], (few, exact)
  # seeds 0-3 gave forward - exact in [-0.11, 0.44], reverse - exact in [-0.12, 0.22]
  assert abs(many["log_zeta"] - exact) < 1.0 and abs(many["log_zeta_upper"] - exact) < 1.0, (
      many, exact)


def test_reflect_matches_bouncing_step_by_step():
  rng = np.random.default_rng(0)
  x = rng.uniform(-3.5, 4.5, size=1000).astype(np.float32)
  p = rng.normal(size=1000).astype(np.float32)
  xr, pr = ais.reflect(tf.constant(x), tf.constant(p))
  bx, bp = x.copy(), p.copy()
  for _ in range(10):  # mirror at whichever face is crossed until inside
    low, high = bx < 0, bx > 1
    bx = np.where(low, -bx, np.where(high, 2 - bx, bx))
    bp = np.where(low | high, -bp, bp)
  np.testing.assert_allclose(xr.numpy(), bx, atol=1e-5)
  np.testing.assert_array_equal(pr.numpy(), bp)


def test_forward_estimate_of_zeta_is_unbiased():
  """E[zeta_hat] = zeta: the mean of zeta_hat / zeta over 40 seeded forward
  runs (8 dimensions, 64 chains, 100 temperatures) is 1 within 3 standard
  errors."""
  energy, exact = _two_bumps(8)
  betas = ais.sigmoid_schedule(100)
  ratio = []
  for s in range(40):
    x = tf.random.stateless_uniform([64, 8], [s, -1])
    log_w = ais.anneal(energy, x, betas, seed=s)[0]
    ratio.append(np.exp(ais.log_mean_exp(log_w) - exact))
  ratio = np.array(ratio)
  assert abs(ratio.mean() - 1) < 3 * ratio.std() / np.sqrt(40), (ratio.mean(), ratio.std())


def test_sigmoid_schedule_runs_from_zero_to_one_increasing():
  b = ais.sigmoid_schedule(100)
  assert b[0] == 0 and b[-1] == 1 and np.all(np.diff(b) > 0)
