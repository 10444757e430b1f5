"""FID/KID/IS/MODE against scipy, closed forms and brute force."""

import numpy as np
import pytest
import scipy.linalg

from tfflowgan.evaluation import sample_quality as sq


def _closed_form_fid(mu1, s1, mu2, s2):
  covmean = scipy.linalg.sqrtm(s1 @ s2).real
  return np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)


def _random_cov(rng, d):
  a = rng.normal(size=(d, d))
  return a @ a.T / d + 0.1 * np.eye(d)


def test_fid_identical_sets_is_zero():
  x = np.random.default_rng(0).normal(size=(200, 8))
  assert abs(sq.frechet_distance(x, x)) < 1e-8


def test_fid_moments_match_scipy_sqrtm():
  rng = np.random.default_rng(1)
  mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
  s1, s2 = _random_cov(rng, 6), _random_cov(rng, 6)
  np.testing.assert_allclose(sq.frechet_distance_from_moments(mu1, s1, mu2, s2),
                             _closed_form_fid(mu1, s1, mu2, s2), rtol=1e-9)


def test_fid_of_gaussian_samples_approaches_closed_form():
  rng = np.random.default_rng(2)
  d = 4
  mu1, mu2 = np.zeros(d), np.full(d, 0.5)
  s1, s2 = _random_cov(rng, d), _random_cov(rng, d)
  x = rng.multivariate_normal(mu1, s1, size=200_000)
  y = rng.multivariate_normal(mu2, s2, size=200_000)
  expected = _closed_form_fid(mu1, s1, mu2, s2)
  assert abs(sq.frechet_distance(x, y) - expected) < 0.02 * expected + 0.005


def test_kid_matches_brute_force_double_loop():
  rng = np.random.default_rng(3)
  x, y = rng.normal(size=(15, 5)), rng.normal(0.3, 1.0, size=(12, 5))
  k = lambda a, b: (a @ b / 5 + 1) ** 3
  m, n = len(x), len(y)
  kxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
  kyy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
  kxy = sum(k(x[i], y[j]) for i in range(m) for j in range(n))
  brute = kxx / (m * (m - 1)) + kyy / (n * (n - 1)) - 2 * kxy / (m * n)
  np.testing.assert_allclose(sq.mmd2_unbiased(x, y), brute, rtol=1e-10)
  mean, std = sq.kernel_inception_distance(x, y, num_subsets=1, subset_size=100)
  # One subset of size min(m, n) = 12 from each: compare with the same subsets.
  rng2 = np.random.default_rng(0)
  i = np.sort(rng2.choice(m, 12, replace=False))
  j = np.sort(rng2.choice(n, 12, replace=False))
  np.testing.assert_allclose(mean, sq.mmd2_unbiased(x[i], y[j]), rtol=1e-10)
  assert std == 0.0


def test_kid_same_distribution_near_zero_and_subsets():
  rng = np.random.default_rng(4)
  x, y = rng.normal(size=(600, 10)), rng.normal(size=(600, 10))
  z = rng.normal(1.0, 1.0, size=(600, 10))
  m_same, s_same = sq.kernel_inception_distance(x, y, num_subsets=10, subset_size=200)
  m_diff, _ = sq.kernel_inception_distance(x, z, num_subsets=10, subset_size=200)
  assert abs(m_same) < 3 * s_same + 1e-3
  assert s_same > 0
  assert m_diff > 10 * abs(m_same)


def test_inception_score_uniform_and_one_hot():
  uniform = np.full((100, 10), 0.1)
  assert sq.inception_score(probs=uniform, num_splits=5)[0] == pytest.approx(1.0)
  assert sq.inception_score(logits=np.zeros((100, 10)))[0] == pytest.approx(1.0)
  k = 7
  one_hot = np.eye(k)[np.arange(140) % k]
  mean, std = sq.inception_score(probs=one_hot, num_splits=2)
  assert mean == pytest.approx(k) and std == pytest.approx(0.0, abs=1e-12)
  # Logits route equals the probability route.
  logits = np.random.default_rng(5).normal(size=(50, 4)) * 3
  p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
  np.testing.assert_allclose(sq.inception_score(logits=logits, num_splits=2),
                             sq.inception_score(probs=p, num_splits=2), rtol=1e-10)


def test_mode_score_matches_direct_computation():
  rng = np.random.default_rng(6)
  logits = rng.normal(size=(80, 5)) * 2
  p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
  pstar = sq.label_distribution(rng.integers(0, 5, size=300), 5)
  marg = p.mean(0)
  e_kl = np.mean([np.sum(p[i] * np.log(p[i] / pstar)) for i in range(len(p))])
  kl_marg = np.sum(marg * np.log(marg / pstar))
  expected = np.exp(e_kl - kl_marg)
  assert sq.mode_score(pstar, logits=logits)[0] == pytest.approx(expected, rel=1e-10)
  assert sq.mode_score(pstar, probs=p)[0] == pytest.approx(expected, rel=1e-10)
  # Confident, balanced predictions with uniform p*: MODE = number of classes.
  one_hot = np.eye(5)[np.arange(100) % 5]
  assert sq.mode_score(np.full(5, 0.2), probs=one_hot)[0] == pytest.approx(5.0)
