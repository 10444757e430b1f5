"""WGAN-GP (Gulrajani et al. 2017) with the one-way flow's DCGAN generator and
critic: the baseline of Ben-Dov et al.'s Table 2 and Fig. 6.

Notation: f the critic, G = g_n o g_u the `OneWayFlow` generator (eq. 7: the
latent z ~ N(0, I_d) concatenated with noise r ~ N(0, I_{n-d}); App. C.3.2),
x real and x_g = G(z), both in [0, 1]^D (the critic sees data-space images,
as the one-way critic does), lambda the penalty weight.

- Critic (Gulrajani et al. Alg. 1), n_critic updates per generator update:
      d_loss = mean f(x_g) - mean f(x) + lambda mean (||grad_x f(x_hat)||_2 - 1)^2,
      x_hat = eps x + (1 - eps) x_g,  eps ~ U[0, 1] per example.
- Generator: g_loss = -mean f(G(z)).

The n_critic critic updates run inside one `train_step` (a Python loop traced
into the step's graph, no host decision per step), each with fresh z and eps
and the step's real batch (Alg. 1 draws a fresh real batch per critic update).
The model has no density (`likelihood_kind` 'none'): it is evaluated by its
samples (FID, the independent critic) and its critic's W_hat.
"""

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.generators.oneway import oneway_generator, sample_chunked
from tfflowgan.objectives import adversarial_losses as al
from tfflowgan.objectives.base import GenerativeModel, NoLikelihoodError
from tfflowgan.objectives.common import adam, for_precision, scaled_loss


class WGANGP(GenerativeModel):
  """Critic f and generator G trained by WGAN-GP (module doc).

  Args:
    generator: a built `OneWayFlow` (only its map g_n(g_u(z)) is used).
    critic: Keras model [B, *shape] -> [B] or [B, 1], no batch norm (the
      penalty takes per-example gradients).
    spec: the data set's `DataSpec`.
    gp_weight: lambda.
    critic_steps: n_critic, critic updates per train step.
    d_optimizer, g_optimizer: Keras optimizers (built here, for MirroredStrategy).
  """

  likelihood_kind = "none"

  def __init__(self, generator, critic, spec, gp_weight=10.0, critic_steps=5,
               d_optimizer=None, g_optimizer=None, **kwargs):
    super().__init__(**kwargs)
    if int(critic_steps) < 1:
      raise ValueError(f"critic_steps must be >= 1, got {critic_steps}")
    self.generator, self.critic, self.spec = generator, critic, spec
    self.gp_weight, self.critic_steps = float(gp_weight), int(critic_steps)
    self.critic.build((None,) + tuple(spec.shape))
    self.d_optimizer = for_precision(d_optimizer or adam(1e-4, beta_1=0.0, beta_2=0.9))
    self.g_optimizer = for_precision(g_optimizer or adam(1e-4, beta_1=0.0, beta_2=0.9))
    self.d_optimizer.build(self.critic.trainable_variables)
    self.g_optimizer.build(self.generator.trainable_variables)
    self.init_metrics("d_loss", "g_loss", "wasserstein", "gradient_penalty")

  def log_prob(self, x):
    raise NoLikelihoodError(
        f"{type(self).__name__} has no likelihood (likelihood_kind 'none'): a WGAN-GP "
        "generator defines no density; evaluate it by its samples (FID, independent critic)")

  def score(self, x, training=False):
    """f(x), shape [B]."""
    return tf.reshape(self.critic(x, training=training), [-1])

  # Losses.
  def critic_loss(self, x, x_g, eps, training=True):
    """(d_loss, W_hat, penalty): mean f(x_g) - mean f(x) + lambda * penalty."""
    w = al.wasserstein_estimate(self.score(x, training), self.score(x_g, training))
    penalty = al.gradient_penalty(lambda y: self.score(y, training), x, x_g, eps)
    return -w + self.gp_weight * penalty, w, penalty

  def generator_loss(self, x_g, training=True):
    """-mean f(G(z))."""
    return al.wgan_generator_loss(self.score(x_g, training))

  def train_step(self, x):
    batch = tf.shape(x)[0]
    d_vars, g_vars = self.critic.trainable_variables, self.generator.trainable_variables

    # 1. Critic, n_critic times: min mean f(x_g) - mean f(x) + lambda mean(||grad f(x_hat)|| - 1)^2.
    for _ in range(self.critic_steps):
      x_g = self.generator.sample(batch, training=True)
      eps = tf.random.uniform([batch])
      with tf.GradientTape() as tape:
        d_loss, w, penalty = self.critic_loss(x, x_g, eps)
        d_scaled = scaled_loss(self.d_optimizer, d_loss)  # replicas, float16
      self.d_optimizer.apply_gradients(zip(tape.gradient(d_scaled, d_vars), d_vars))

    # 2. Generator: min -mean f(G(z)).
    with tf.GradientTape() as tape:
      g_loss = self.generator_loss(self.generator.sample(batch, training=True))
      g_scaled = scaled_loss(self.g_optimizer, g_loss)
    self.g_optimizer.apply_gradients(zip(tape.gradient(g_scaled, g_vars), g_vars))

    return self.update_metrics(d_loss=d_loss, g_loss=g_loss, wasserstein=w,
                               gradient_penalty=penalty)

  def test_step(self, x):
    """The critic's loss terms on x against fresh samples."""
    batch = tf.shape(x)[0]
    x_g = self.generator.sample(batch, training=False)
    d_loss, w, penalty = self.critic_loss(x, x_g, tf.random.uniform([batch]), training=False)
    return self.update_metrics(d_loss=d_loss, wasserstein=w, gradient_penalty=penalty)

  # Samples and critics (evaluation).
  def sample(self, n, seed=None, chunk_size=1000):
    """n samples in data space ([0, 1] images, or raw 2D points), numpy.

    seed: optional stateless seed [2] (chunk i uses seed + [0, i])."""
    x = sample_chunked(self.generator, n, seed, chunk_size)
    return np.clip(x, 0.0, 1.0) if self.spec.is_image else x

  def critic_scores(self, seed=1234):
    """{'wasserstein': f}: the training critic's score of data-space x."""
    del seed  # the critic is unconditional
    return {"wasserstein": lambda x: self.score(x, training=False)}

  def jacobian_map(self):
    gen = self.generator
    return (lambda u: gen(u, training=False)), gen.sample_inputs, "g_n(u)"


@gin.configurable
def wgan_gp_model(spec, generator=gin.REQUIRED, critic=dcgan_critic, latent_dim=None,
                  gp_weight=10.0, critic_steps=5, d_optimizer=None, g_optimizer=None):
  """gin builder: a built, compiled `WGANGP` for `spec`.

  generator: a g_n builder (`@dcgan_network`, `@mlp_network`) of the one-way
    generator; critic: a critic builder `input_shape -> model` (`@dcgan_critic`);
  latent_dim: d (default n); gp_weight: lambda; critic_steps: n_critic;
  d_optimizer, g_optimizer: optimizer builders (e.g. `@d/adam`), default
    Gulrajani et al.'s Alg. 1 (Adam 1e-4, betas 0, 0.9).
  """
  gen = oneway_generator(spec, network=generator, latent_dim=latent_dim)
  model = WGANGP(
      gen, critic(spec.shape), spec, gp_weight=gp_weight, critic_steps=critic_steps,
      d_optimizer=d_optimizer() if d_optimizer else None,
      g_optimizer=g_optimizer() if g_optimizer else None)
  model.compile(optimizer=None)
  return model
