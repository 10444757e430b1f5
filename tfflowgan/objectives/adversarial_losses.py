"""Adversarial losses on critic scores f(x) (shape [B] or [B, 1]).

Notation: real x_r ~ P_r, generated x_g ~ P_g, both already in the critic's
input space ([-1, 1] images in `FlowGAN`). Every loss is a mean over the local
batch; under a distribution strategy divide by the replica count before
taking gradients (`objectives.common.replica_mean`).

- WGAN (Arjovsky et al. 2017; Danihelka et al. eq. 2): the critic maximizes
  W_hat = mean f(x_r) - mean f(x_g), i.e. minimizes `wgan_critic_loss`; the
  generator minimizes -mean f(x_g). Lipschitz by weight clipping
  (`clip_weights`, box [-0.01, 0.01]) or by the gradient penalty.
- WGAN-GP (Gulrajani et al. 2017, as in Flow-GAN's code): critic loss + gp_weight
  * mean_i (||grad_x f(x_hat_i)||_2 - 1)^2, x_hat = eps x_r + (1 - eps) x_g.
- Non-saturating GAN (Goodfellow et al. 2014): f is a logit; the critic
  minimizes softplus(-f(x_r)) + softplus(f(x_g)) (cross-entropy), the
  generator -log sigmoid(f(x_g)) = softplus(-f(x_g)).
"""

import keras
import tensorflow as tf


def _flat(scores):
  return tf.reshape(scores, [-1])


def wasserstein_estimate(real_scores, fake_scores):
  """W_hat = mean f(x_r) - mean f(x_g) (Danihelka eq. 2 and 6)."""
  return tf.reduce_mean(_flat(real_scores)) - tf.reduce_mean(_flat(fake_scores))


def wgan_critic_loss(real_scores, fake_scores):
  """-W_hat: the WGAN critic minimizes mean f(x_g) - mean f(x_r)."""
  return -wasserstein_estimate(real_scores, fake_scores)


def wgan_generator_loss(fake_scores):
  """-mean f(x_g): the generator's part of W_hat."""
  return -tf.reduce_mean(_flat(fake_scores))


def gan_critic_loss(real_scores, fake_scores):
  """Binary cross-entropy with logits: real -> 1, generated -> 0."""
  return (tf.reduce_mean(tf.nn.softplus(-_flat(real_scores)))
          + tf.reduce_mean(tf.nn.softplus(_flat(fake_scores))))


def gan_generator_loss(fake_scores):
  """Non-saturating generator loss -mean log sigmoid f(x_g)."""
  return tf.reduce_mean(tf.nn.softplus(-_flat(fake_scores)))


def gradient_penalty(critic_fn, x_real, x_fake, eps):
  """mean_i (||grad_x f(x_hat_i)||_2 - 1)^2 at x_hat = eps x_r + (1 - eps) x_g.

  critic_fn: x -> scores; eps: [B] interpolation weights in [0, 1]. The
  gradient is taken per example (f of one example must not depend on the
  others, so no batch norm in a WGAN-GP critic).
  """
  eps = tf.reshape(eps, [-1] + [1] * (len(x_real.shape) - 1))
  x_hat = eps * x_real + (1.0 - eps) * x_fake
  with tf.GradientTape() as tape:
    tape.watch(x_hat)
    scores = tf.reduce_sum(critic_fn(x_hat))
  grads = tape.gradient(scores, x_hat)
  norms = tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(grads, [tf.shape(grads)[0], -1])),
                                axis=1) + 1e-12)
  return tf.reduce_mean(tf.square(norms - 1.0))


# name -> (critic loss, generator loss, uses gradient penalty, uses clipping)
LOSSES = {
    "wgan": (wgan_critic_loss, wgan_generator_loss, False, True),
    "wgan_gp": (wgan_critic_loss, wgan_generator_loss, True, False),
    "gan": (gan_critic_loss, gan_generator_loss, False, False),
}


def get_loss(name):
  if name not in LOSSES:
    raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {name!r}")
  return LOSSES[name]


def clip_weights(variables, clip_value):
  """Clips each variable into [-c, c] (WGAN), also under a distribution
  strategy: from replica context the update runs once per variable through
  `merge_call` + `extended.update`, as the Keras optimizer does."""
  c = float(clip_value)

  def clip_all(strategy, variables):
    for v in variables:
      if isinstance(v, keras.Variable):
        v = v.value  # the tf.Variable (a MirroredVariable under MirroredStrategy)
      strategy.extended.update(
          v, lambda var: var.assign(tf.clip_by_value(var, -c, c)), group=False)

  ctx = tf.distribute.get_replica_context()
  if ctx is None:
    clip_all(tf.distribute.get_strategy(), variables)
  else:
    ctx.merge_call(clip_all, args=(list(variables),))
