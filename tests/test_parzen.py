"""Parzen baseline against scipy.stats and brute force; the digits sanity figures."""

import math

import numpy as np
import pytest
import scipy.stats
from scipy.special import logsumexp
from sklearn.datasets import load_digits

from tfflowgan.evaluation import parzen


def test_matches_scipy_mixture_of_gaussians():
  rng = np.random.default_rng(0)
  train, test = rng.uniform(size=(30, 3)), rng.uniform(size=(7, 3))
  sigma = 0.3
  comps = np.stack([scipy.stats.multivariate_normal(m, sigma ** 2 * np.eye(3)).logpdf(test)
                    for m in train])
  expected = logsumexp(comps, axis=0) - math.log(len(train))
  np.testing.assert_allclose(parzen.parzen_log_prob(test, train, sigma), expected,
                             rtol=1e-10)


def test_small_sigma_matches_brute_force_and_batching_invariant():
  rng = np.random.default_rng(1)
  train, test = rng.uniform(size=(53, 2, 3)), rng.uniform(size=(17, 2, 3))
  sigma = 0.02
  diff = test.reshape(17, 1, 6) - train.reshape(1, 53, 6)  # brute force [N_test, N_train, D]
  expected = (logsumexp(-np.sum(diff ** 2, -1) / (2 * sigma ** 2), axis=1)
              - math.log(53) - 3 * math.log(2 * math.pi * sigma ** 2))
  full = parzen.parzen_log_prob(test, train, sigma)
  np.testing.assert_allclose(full, expected, rtol=1e-9)
  batched = parzen.parzen_log_prob(test, train, sigma, test_batch=4, train_batch=5)
  np.testing.assert_allclose(batched, full, rtol=1e-12)


def test_bits_per_dim_conversion():
  assert parzen.bits_per_dim(0.0, 64, 17) == pytest.approx(math.log2(17))
  assert parzen.bits_per_dim(-10 * math.log(2), 10) == pytest.approx(1.0)


def test_sweep_picks_best_validation_sigma():
  rng = np.random.default_rng(2)
  data = rng.normal(0.5, 0.1, size=(400, 4))
  res = parzen.parzen_sweep(data[:300], data[300:350], data[350:], [0.01, 0.05, 0.3],
                            levels=256)
  assert res.best_sigma == 0.05
  assert res.best_test_nll == res.test_nll[1]
  np.testing.assert_allclose(res.test_bits_per_dim,
                             8 + res.test_nll / (4 * math.log(2)), rtol=1e-12)


def test_digits_reference_figures():
  """Dequantized digits (k + u) / 17, 1500/297 split (seed 0): 3.40 / 5.85 / 28.6 bits/dim."""
  x = load_digits().data
  rng = np.random.default_rng(0)
  y = (x[rng.permutation(len(x))] + rng.uniform(size=x.shape)) / 17.0
  got = [parzen.bits_per_dim(parzen.parzen_log_prob(y[1500:], y[:1500], s), 64, 17).mean()
         for s in (0.1, 0.05, 0.02)]
  np.testing.assert_allclose(got, [3.40, 5.85, 28.6], rtol=0.005)
