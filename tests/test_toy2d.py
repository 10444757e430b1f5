"""2D mixtures (VEEGAN protocol) and the modes / high-quality metric."""

import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import multivariate_normal

from tfflowgan.data import registry, toy2d
from tfflowgan.evaluation import modes2d


def test_ring_has_eight_distinct_modes():
  m = toy2d.MIXTURES["ring"]
  assert m.num_modes == 8 and m.std == 0.01
  d = np.linalg.norm(m.means[:, None] - m.means[None], axis=-1)
  assert d[~np.eye(8, dtype=bool)].min() > 0.7  # linspace(0, 2pi, 8) would give 0
  np.testing.assert_allclose(np.linalg.norm(m.means, axis=1), 1.0)
  angles = np.sort(np.mod(np.arctan2(m.means[:, 1], m.means[:, 0]), 2 * np.pi))
  np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)


def test_grid_means():
  m = toy2d.MIXTURES["grid"]
  assert m.num_modes == 25 and m.std == 0.05
  assert set(map(tuple, m.means)) == {(a, b) for a in range(-4, 5, 2) for b in range(-4, 5, 2)}


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_true_samples_score_all_modes(name):
  """Points from the mixture: all modes and ~98.9% high quality (1 - e^-4.5)."""
  m = toy2d.get_mixture(name)
  r = modes2d.mixture_metrics(name, toy2d.sample(name, 2500, seed=1))
  assert r["modes"] == m.num_modes
  assert abs(r["high_quality"] - 100 * (1 - np.exp(-4.5))) < 1.0


def test_metric_on_collapsed_and_far_points():
  means = toy2d.MIXTURES["ring"].means
  r = modes2d.modes_and_quality(np.repeat(means[:1], 10, 0), means, 0.01)
  assert r == {"modes": 1, "high_quality": 100.0}
  r = modes2d.modes_and_quality(np.zeros((10, 2)), means, 0.01)
  assert r == {"modes": 0, "high_quality": 0.0}


def test_sampling_is_deterministic_given_seed():
  a, b = toy2d.sample("grid", 100, seed=3), toy2d.sample("grid", 100, seed=3)
  np.testing.assert_array_equal(a, b)
  assert a.dtype == np.float32 and a.shape == (100, 2)
  assert not np.array_equal(a, toy2d.sample("grid", 100, seed=4))


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_log_prob_matches_scipy(name):
  m = toy2d.get_mixture(name)
  x = toy2d.sample(name, 50, seed=0) + 0.02
  ref = np.log(np.mean([multivariate_normal(mu, m.std ** 2).pdf(x) for mu in m.means], 0))
  np.testing.assert_allclose(toy2d.log_prob(name, x).numpy(), ref, rtol=1e-4, atol=1e-4)


def test_registered_splits_deterministic():
  splits = registry.load_splits("ring", seed=5, num_train=100, num_validation=20, num_test=30)
  assert splits.spec.shape == (2,) and splits.spec.levels is None
  assert splits.train.element_spec == tf.TensorSpec((2,), tf.float32)
  train = np.stack(list(splits.train.as_numpy_iterator()))
  again = np.stack(list(registry.load_splits("ring", seed=9, num_train=100).train.take(100)
                        .as_numpy_iterator()))
  np.testing.assert_array_equal(train, again)  # independent of the training seed
  assert len(list(splits.test)) == 30
  other = np.stack(list(registry.load_splits("grid", split_seed=1).test.take(5)))
  assert other.shape == (5, 2)


def test_density_plot_writes_png(tmp_path):
  path = modes2d.save_density_and_samples(
      str(tmp_path / "ring.png"), lambda x: toy2d.log_prob("ring", x).numpy(),
      toy2d.sample("ring", 200), extent=modes2d.mixture_extent("ring"), resolution=50)
  assert (tmp_path / "ring.png").stat().st_size > 1000 and path.endswith(".png")


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_density_quality_of_true_single_mode_and_broad_densities(name):
  """density_quality on the mixture's own log-density: all modes, ~98.9% of
  the mass (P[chi2_2 <= 9]); one component alone: 1 mode, same share; a broad
  N(0, 2^2 I): the closed form sum_k disc mass ~ K pi (3 std)^2 p(mu_k) (small)."""
  m = toy2d.get_mixture(name)
  fair = 100 * (1 - np.exp(-4.5))
  r = modes2d.density_quality(name, lambda x: toy2d.log_prob(name, x))
  assert r["density_modes"] == m.num_modes
  assert abs(r["density_high_quality"] - fair) < 0.5
  mu = m.means[3]
  one = lambda x: -np.sum((x - mu) ** 2, -1) / (2 * m.std ** 2)
  r = modes2d.density_quality(name, one)
  assert r["density_modes"] == 1 and abs(r["density_high_quality"] - fair) < 0.5
  broad = lambda x: -np.sum(x ** 2, -1) / 8.0
  mass = np.exp(-np.sum(m.means.astype(np.float64) ** 2, -1) / 8.0)
  # Normalized on the evaluation square; Riemann sum for the normalizer.
  xs = np.linspace(m.means.min() - 0.5, m.means.max() + 0.5, 2001)
  z = np.trapezoid(np.exp(-xs ** 2 / 8.0), xs) ** 2
  expected = 100 * np.sum(mass * np.pi * (3 * m.std) ** 2) / z
  r = modes2d.density_quality(name, broad)
  assert abs(r["density_high_quality"] - expected) < 0.1 * expected + 0.05


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_log_normalizer_by_quadrature(name):
  """log_normalizer: 0 for the mixture's own (normalized) log-density; for an
  unnormalized Gaussian bump exp(-|x - mu|^2 / (2 s^2)) + c, c + log(2 pi s^2)."""
  m = toy2d.get_mixture(name)
  assert abs(modes2d.log_normalizer(name, lambda x: toy2d.log_prob(name, x))) < 1e-3
  s, c, mu = 1.5 * m.std, 7.0, m.means[2]
  bump = lambda x: c - np.sum((x - mu) ** 2, -1) / (2 * s ** 2)
  assert abs(modes2d.log_normalizer(name, bump) - (c + np.log(2 * np.pi * s ** 2))) < 1e-3
  # the margin bounds the square: a bump far outside it is not seen
  far = lambda x: -np.sum((x - 3 * m.means.max() - 1.0) ** 2, -1) / 2.0
  assert modes2d.log_normalizer(name, far) < -5
