"""Adaptive Density Estimation (Lucas et al. 2019, sec. 4): a VAE in the
feature space of an invertible map f_psi, trained by likelihood (L_C) and,
optionally, adversarially (L_Q). One class covers the paper's variants:

  VAE     feature_map=None,  critic=None      L_C only, Gaussian on pixels
  V-ADE   feature_map=f_psi, critic=None      L_C only
  AV-GDE  feature_map=None,  critic=D         L_C + L_Q
  AV-ADE  feature_map=f_psi, critic=D         L_C + L_Q

Coverage (eq. 3, 4): L_C(x) = -ELBO(f_psi(x)) - log|det df_psi/dx|, with
ELBO = E_q[log p_theta(f|z)] - KL(q_phi(z|x) || N(0, I)) (analytic KL for a
Gaussian q, one-sample for the IAF posterior). L_C >= -log p(x), so
`nll_bound` / `bits_per_dim_bound` (discrete-data space, data.units) are
upper bounds on the NLL. Quality (eq. 5): x_g = f_psi^-1(mu_theta(z)),
z ~ N(0, I); the discriminator minimizes the GAN cross-entropy, the generator
L_Q = -E[ln D(x_g) - ln(1 - D(x_g))] = -E[logit D(x_g)]. The generator loss
is L_C / D + adversarial_weight * L_Q (the paper's plain sum L_C + L_Q is
adversarial_weight = 1/D). With `dequantize_fakes`, x_g gets the same uniform
dequantization noise (u - 1/2)/L as the real data before the discriminator
sees it (otherwise noise-free samples are trivially told apart on 17 levels).
"""

import math

import gin
import tensorflow as tf
import tensorflow_probability as tfp

from tfflowgan.critics import dcgan, residual  # noqa: F401  (gin: @dcgan_critic, @residual_critic)
from tfflowgan.data.units import bits_per_dim, discrete_nll
from tfflowgan.generators.flow import prior
from tfflowgan.generators.iaf import Posterior
from tfflowgan.generators.vae import vae_decoder, vae_encoder
from tfflowgan.objectives.base import GenerativeModel
from tfflowgan.objectives.common import adam, for_precision, scaled_loss

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_log_prob(x, mean, log_scale):
  """sum over [H, W, C] of log N(x; mean, exp(log_scale)^2)."""
  per_dim = -0.5 * tf.square((x - mean) * tf.exp(-log_scale)) - log_scale - _HALF_LOG_2PI
  return tf.reduce_sum(per_dim, axis=[1, 2, 3])


class AVADE(GenerativeModel):
  """See the module doc. `feature_map` None means f_psi = identity.
  `log_prob` is the one-sample ELBO + log-det, a bound on log p(x) in
  expectation (`importance_log_prob` is tighter)."""

  likelihood_kind = "bound"

  def __init__(self, spec, encoder, decoder, posterior, feature_map=None, critic=None,
               adversarial_weight=1.0, dequantize_fakes=True, g_optimizer=None,
               d_optimizer=None, iw_samples=0, **kwargs):
    super().__init__(**kwargs)
    self.spec, self.latent_dim = spec, posterior.latent_dim
    self.encoder, self.decoder, self.posterior = encoder, decoder, posterior
    self.feature_map, self.critic = feature_map, critic
    self.adversarial_weight = float(adversarial_weight) if critic is not None else 0.0
    self.dequantize_fakes, self.iw_samples = dequantize_fakes, int(iw_samples)
    x = tf.fill([1, *spec.shape], 0.5)
    self.coverage(x, tf.zeros([1, self.latent_dim]))  # builds every network
    self.g_optimizer = for_precision(g_optimizer or adam())
    self.g_optimizer.build(self.generator_variables)
    names = ["loss", "nll_bound", "bits_per_dim_bound", "recon", "kl", "log_det"]
    if critic is not None:
      critic(x)
      self.d_optimizer = for_precision(d_optimizer or adam(2e-4, beta_1=0.5))
      self.d_optimizer.build(critic.trainable_variables)
      names += ["d_loss", "l_q"]
    self.init_metrics(*names)

  @property
  def generator_variables(self):
    nets = [self.encoder, self.decoder, self.posterior] + (
        [self.feature_map] if self.feature_map is not None else [])
    return [v for n in nets for v in n.trainable_variables]

  # f_psi and its inverse.
  def features(self, x):
    """(f_psi(x), log|det df_psi/dx|)."""
    if self.feature_map is None:
      return x, tf.zeros(tf.shape(x)[:1])
    return self.feature_map.forward_and_log_det(x)

  def to_image(self, f):
    return f if self.feature_map is None else self.feature_map.inverse(f)

  # Coverage: the ELBO in feature space plus the log-det (eq. 3, 4).
  def coverage(self, x, eps):
    """Per-example terms for noise eps [B, latent]; `log_p_bound` = ELBO +
    log-det <= log p(x) on [0, 1]^D (nats, before the -D log L of units)."""
    f, log_det = self.features(x)
    mu, log_sigma, h = self.encoder(x)
    z, log_q = self.posterior.sample_and_log_prob(mu, log_sigma, h, eps)
    mean, log_scale = self.decoder(z)
    log_lik = gaussian_log_prob(f, mean, log_scale)
    if self.posterior.is_gaussian:  # analytic KL(N(mu, sigma) || N(0, I))
      kl = 0.5 * tf.reduce_sum(tf.square(mu) + tf.exp(2 * log_sigma) - 1 - 2 * log_sigma, -1)
    else:
      kl = log_q - prior("normal", self.latent_dim).log_prob(z)
    return {"recon": -log_lik, "kl": kl, "log_det": log_det,
            "log_p_bound": log_lik - kl + log_det}

  def _coverage_metrics(self, terms):
    log_p = terms["log_p_bound"]
    d, levels = self.spec.num_dims, self.spec.levels
    return {"nll_bound": discrete_nll(log_p, d, levels),
            "bits_per_dim_bound": bits_per_dim(log_p, d, levels),
            "recon": terms["recon"], "kl": terms["kl"], "log_det": terms["log_det"]}

  def importance_log_prob(self, x, num_samples=100, chunk=50):
    """log p(x) estimate log mean_k p(f|z_k) p(z_k) / q(z_k|x) + log-det
    (Burda et al. 2016): a tighter lower bound, -> log p(x) as K grows."""
    f, log_det = self.features(x)
    mu, log_sigma, h = self.encoder(x)
    batch, parts = tf.shape(x)[0], []
    for start in range(0, num_samples, chunk):
      k = min(chunk, num_samples - start)
      rep = lambda t: tf.repeat(t, k, axis=0)
      eps = tf.random.normal([batch * k, self.latent_dim])
      z, log_q = self.posterior.sample_and_log_prob(rep(mu), rep(log_sigma), rep(h), eps)
      mean, log_scale = self.decoder(z)
      w = (gaussian_log_prob(rep(f), mean, log_scale)
           + prior("normal", self.latent_dim).log_prob(z) - log_q)
      parts.append(tf.reshape(w, [batch, k]))
    w = tf.concat(parts, axis=1)
    return tf.reduce_logsumexp(w, axis=1) - math.log(num_samples) + log_det

  # Samples and reconstructions.
  def generate(self, z):
    """x = f_psi^-1(mu_theta(z)) (eq. 5), unclipped."""
    return self.to_image(self.decoder(z)[0])

  def sample(self, n, seed=None):
    seed = tfp.random.sanitize_seed(seed)
    z = tf.random.stateless_normal([n, self.latent_dim], seed=seed)
    return tf.clip_by_value(self.generate(z), 0.0, 1.0)

  def reconstruct(self, x):
    """f_psi^-1(mu_theta(z)) at the posterior's centre (eps = 0)."""
    mu, log_sigma, h = self.encoder(x)
    z, _ = self.posterior.sample_and_log_prob(mu, log_sigma, h, tf.zeros_like(mu))
    return tf.clip_by_value(self.generate(z), 0.0, 1.0)

  def log_prob(self, x):
    return self.coverage(x, tf.random.normal([tf.shape(x)[0], self.latent_dim]))["log_p_bound"]

  # Training.
  def _critic_input(self, x_fake):
    if self.dequantize_fakes and self.spec.levels:
      x_fake = x_fake + (tf.random.uniform(tf.shape(x_fake)) - 0.5) / self.spec.levels
    return x_fake

  def train_step(self, x):
    batch = tf.shape(x)[0]
    logs = {}
    if self.critic is not None:
      fake = self._critic_input(self.generate(tf.random.normal([batch, self.latent_dim])))
      with tf.GradientTape() as tape:
        d_loss = (tf.reduce_mean(tf.nn.softplus(-self.critic(x, training=True)))
                  + tf.reduce_mean(tf.nn.softplus(self.critic(tf.stop_gradient(fake),
                                                              training=True))))
        d_scaled = scaled_loss(self.d_optimizer, d_loss)  # replicas, float16
      d_vars = self.critic.trainable_variables
      self.d_optimizer.apply_gradients(zip(tape.gradient(d_scaled, d_vars), d_vars))
      logs["d_loss"] = d_loss
    eps = tf.random.normal([batch, self.latent_dim])
    with tf.GradientTape() as tape:
      terms = self.coverage(x, eps)
      per_example = -terms["log_p_bound"] / self.spec.num_dims
      if self.critic is not None:
        fake = self._critic_input(self.generate(tf.random.normal([batch, self.latent_dim])))
        l_q = -tf.reshape(self.critic(fake, training=True), [-1])  # -(ln D - ln(1-D))
        per_example += self.adversarial_weight * l_q
        logs["l_q"] = l_q
      loss = scaled_loss(self.g_optimizer, per_example)
    g_vars = self.generator_variables
    self.g_optimizer.apply_gradients(zip(tape.gradient(loss, g_vars), g_vars))
    logs.update(self._coverage_metrics(terms), loss=per_example)
    return self.update_metrics(**logs)

  def test_step(self, x):
    terms = self.coverage(x, tf.random.normal([tf.shape(x)[0], self.latent_dim]))
    return self.update_metrics(**self._coverage_metrics(terms))


@gin.configurable
def avade(spec, latent_dim=32, encoder=vae_encoder, decoder=vae_decoder,
          posterior="gaussian", iaf_steps=2, iaf_hidden=64, context_dim=32,
          feature_map=None, critic=None, adversarial_weight=1.0, dequantize_fakes=True,
          g_optimizer=adam, d_optimizer=None, iw_samples=0, jit_compile=False):
  """gin builder: a compiled `AVADE`. posterior 'gaussian' or 'iaf';
  feature_map a builder `shape -> FeatureMap` (e.g. @realnvp_feature_map) or
  None (identity); critic a builder `input_shape -> Keras model` (e.g.
  @dcgan_critic, @residual_critic for "rd") or None (no L_Q)."""
  if posterior not in ("gaussian", "iaf"):
    raise ValueError(f"avade.posterior must be 'gaussian' or 'iaf', got {posterior!r}")
  iaf = posterior == "iaf"
  model = AVADE(
      spec, encoder(spec, latent_dim, context_dim=context_dim if iaf else 0), decoder(spec),
      Posterior(latent_dim, iaf_steps if iaf else 0, iaf_hidden),
      feature_map(spec.shape) if feature_map is not None else None,
      critic(spec.shape) if critic is not None else None, adversarial_weight,
      dequantize_fakes, g_optimizer(),
      (d_optimizer or (lambda: adam(2e-4, beta_1=0.5)))(), iw_samples)
  model.compile(jit_compile=jit_compile)
  return model

