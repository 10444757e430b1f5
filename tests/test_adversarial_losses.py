"""Adversarial losses: closed forms (WGAN, non-saturating GAN, gradient penalty)."""

import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.objectives import adversarial_losses as al


def test_wgan_losses_and_estimate():
  real, fake = tf.constant([[1.0], [3.0]]), tf.constant([[0.5], [-0.5]])
  np.testing.assert_allclose(float(al.wasserstein_estimate(real, fake)), 2.0)
  np.testing.assert_allclose(float(al.wgan_critic_loss(real, fake)), -2.0)
  np.testing.assert_allclose(float(al.wgan_generator_loss(fake)), 0.0)


def test_gan_losses_are_cross_entropies():
  real, fake = np.array([0.3, -1.2]), np.array([2.0, -0.1])
  sig = lambda t: 1 / (1 + np.exp(-t))
  want_d = -np.mean(np.log(sig(real))) - np.mean(np.log(1 - sig(fake)))
  np.testing.assert_allclose(float(al.gan_critic_loss(real, fake)), want_d, rtol=1e-6)
  np.testing.assert_allclose(float(al.gan_generator_loss(fake)),
                             -np.mean(np.log(sig(fake))), rtol=1e-6)


def test_gradient_penalty_of_linear_critic_is_closed_form():
  # f(x) = <w, x> + b has grad w everywhere: GP = (||w|| - 1)^2.
  rng = np.random.default_rng(0)
  w = tf.constant(rng.normal(size=(4, 4, 2)), tf.float32)
  critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None] + 0.7
  x_r = tf.constant(rng.normal(size=(5, 4, 4, 2)), tf.float32)
  x_g = tf.constant(rng.normal(size=(5, 4, 4, 2)), tf.float32)
  gp = al.gradient_penalty(critic, x_r, x_g, tf.random.uniform([5]))
  np.testing.assert_allclose(float(gp), (np.linalg.norm(w.numpy()) - 1) ** 2, rtol=1e-5)


def test_gradient_penalty_of_quadratic_critic():
  # f(x) = 0.5 ||x||^2: grad at x_hat is x_hat itself.
  rng = np.random.default_rng(1)
  x_r, x_g = (rng.normal(size=(6, 3)).astype(np.float32) for _ in range(2))
  eps = rng.uniform(size=6).astype(np.float32)
  x_hat = eps[:, None] * x_r + (1 - eps[:, None]) * x_g
  want = np.mean((np.linalg.norm(x_hat, axis=1) - 1) ** 2)
  got = al.gradient_penalty(lambda x: 0.5 * tf.reduce_sum(x * x, 1), tf.constant(x_r),
                            tf.constant(x_g), tf.constant(eps))
  np.testing.assert_allclose(float(got), want, rtol=1e-5)


def test_clip_weights_and_unknown_loss():
  v = tf.Variable([-1.0, 0.005, 2.0])
  al.clip_weights([v], 0.01)
  np.testing.assert_allclose(v.numpy(), [-0.01, 0.005, 0.01])
  with pytest.raises(ValueError, match="wgan_gp"):
    al.get_loss("hinge")
