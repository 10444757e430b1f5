"""FID/KID/IS/MODE, precision/recall/density/coverage against scipy, closed
forms, brute force and hand-computed cases."""

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


def _brute_manifold(real, fake, k):
  """Kynkaanniemi et al. 2019 / Naeem et al. 2020 by double loops over points."""
  dist = lambda a, b: float(np.sqrt(np.sum((a - b) ** 2)))

  def radii(s):
    return [sorted(dist(p, q) for j, q in enumerate(s) if j != i)[k - 1]
            for i, p in enumerate(s)]

  r_real, r_fake = radii(real), radii(fake)
  inside = [[dist(y, x) <= r for x, r in zip(real, r_real)] for y in fake]  # [M][N]
  return {"precision": np.mean([any(row) for row in inside]),
          "recall": np.mean([any(dist(x, y) <= r for y, r in zip(fake, r_fake))
                             for x in real]),
          "density": sum(map(sum, inside)) / (k * len(fake)),
          "coverage": np.mean([any(row[i] for row in inside) for i in range(len(real))]),
          "radii_real": r_real}


def test_manifold_metrics_match_brute_force_in_chunks():
  rng = np.random.default_rng(7)
  real = rng.normal(size=(40, 3))
  fake = rng.normal(0.5, 1.3, size=(33, 3))
  for k in (1, 3, 5):
    ref = _brute_manifold(real, fake, k)
    np.testing.assert_allclose(sq.knn_radii(real, k, chunk_size=6), ref["radii_real"],
                               rtol=1e-10)
    for chunk in (7, 1000):
      got = sq.precision_recall_density_coverage(real, fake, k, chunk_size=chunk)
      for name in ("precision", "recall", "density", "coverage"):
        assert got[name] == pytest.approx(ref[name], rel=1e-12), (k, chunk, name)
  assert 0 < ref["precision"] < 1 and 0 < ref["recall"] < 1  # not a trivial case


def test_manifold_metrics_identical_and_far_apart_sets():
  rng = np.random.default_rng(8)
  x = rng.normal(size=(60, 4))
  same = sq.precision_recall_density_coverage(x, x.copy(), chunk_size=16)
  assert same["precision"] == same["recall"] == same["coverage"] == 1.0
  assert same["density"] == pytest.approx(_brute_manifold(x, x, 5)["density"])
  far = sq.precision_recall_density_coverage(x, rng.normal(size=(50, 4)) + 100.0)
  assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_manifold_metrics_hand_computed():
  # k = 1 on a line. Real 0, 2, 20: radii 2, 2, 18. Fake 1, 10, 40, 42: radii 9, 9, 2, 2.
  # Fake 1 lies in the balls of reals 0 and 2, fake 10 in the ball of 20, 40 and 42 in none;
  # reals 0 and 2 lie in fake 1's ball, 20 in no fake ball; every real ball holds a fake.
  real, fake = np.array([[0.], [2.], [20.]]), np.array([[1.], [10.], [40.], [42.]])
  np.testing.assert_array_equal(sq.knn_radii(real, k=1), [2, 2, 18])
  np.testing.assert_array_equal(sq.knn_radii(fake, k=1), [9, 9, 2, 2])
  got = sq.precision_recall_density_coverage(real, fake, k=1, chunk_size=2)
  assert got == {"precision": 2 / 4, "recall": 2 / 3, "density": 3 / 4, "coverage": 1.0}
  # Closed balls: fake 4 at distance 2 from real 2 (radius 2) is inside; real 2 at
  # distance 2 from fake 4 (radius 3) is inside fake 4's ball, real 0 (distance 4) is not.
  tie = sq.precision_recall_density_coverage([[0.], [2.]], [[4.], [7.]], k=1)
  assert tie == {"precision": 0.5, "recall": 0.5, "density": 0.5, "coverage": 0.5}
  with pytest.raises(ValueError, match="k = 3"):
    sq.knn_radii(real, k=3)
