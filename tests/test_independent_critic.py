"""Independent critic (Danihelka et al. 3.5) on Gaussians with a known W1.

For N(0, I) and N(m, I) the Wasserstein-1 distance is ||m|| (the optimal
critic is linear along m), an independent closed form for the estimate.
"""

import numpy as np
import pytest

from tfflowgan.evaluation import independent_critic as ic

D = 4
SETTINGS = ic.CriticSettings(steps=300, hidden=(64, 64), learning_rate=1e-3)


def _estimate(shift, settings=SETTINGS):
  rng = np.random.default_rng(0)
  valid = rng.normal(size=(2000, D)).astype(np.float32)
  test = rng.normal(size=(2000, D)).astype(np.float32)
  gen = np.random.default_rng(1)
  fake = lambda n: (gen.normal(size=(n, D)) + shift).astype(np.float32)
  fake_eval = (np.random.default_rng(2).normal(size=(2000, D)) + shift).astype(np.float32)
  return ic.evaluate_independent_critic(valid, fake, fake_eval, {"test": test}, settings)


def test_identical_distributions_give_about_zero():
  out = _estimate(0.0)
  assert abs(out["distance"]["test"]) < 0.1
  assert abs(out["distance"]["validation"]) < 0.1


@pytest.mark.parametrize("shift", [0.5, 1.0])
def test_shifted_gaussian_matches_closed_form_w1(shift):
  true_w1 = shift * np.sqrt(D)  # ||(shift, ..., shift)||
  out = _estimate(shift)
  for name in ("validation", "test"):
    assert 0.8 * true_w1 < out["distance"][name] < 1.2 * true_w1, out["distance"]
  assert len(out["history"]["wasserstein"]) == 3


def test_closer_distribution_scores_lower_also_with_weight_clipping():
  clipped = ic.CriticSettings(loss="wgan", steps=300, hidden=(64, 64), learning_rate=1e-3)
  near, far = _estimate(0.3, clipped), _estimate(1.0, clipped)
  assert 0 < near["distance"]["test"] < far["distance"]["test"]


def test_critic_distance_is_mean_difference_of_scores():
  critic, _ = ic.train_critic(np.zeros((10, D), np.float32), np.ones((10, D), np.float32),
                              ic.CriticSettings(steps=2, hidden=(8,)))
  a = np.random.default_rng(3).normal(size=(7, D)).astype(np.float32)
  b = np.random.default_rng(4).normal(size=(5, D)).astype(np.float32)
  expected = np.asarray(critic(a)).mean() - np.asarray(critic(b)).mean()
  np.testing.assert_allclose(ic.critic_distance(critic, a, b, batch_size=3), expected,
                             rtol=1e-5)


def test_rejects_non_wasserstein_loss():
  with pytest.raises(ValueError, match="wgan"):
    ic.train_critic(np.zeros((4, D)), np.zeros((4, D)), ic.CriticSettings(loss="gan"))
