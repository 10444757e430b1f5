"""One-way flow GAN (Ben-Dov et al.): an energy-based discriminator trained by
maximum likelihood with an importance-sampled partition function, and a
one-way flow generator trained with an entropy term.

Notation: D is the critic, w the entropy weight (App. C.1), P_D(x) =
exp(D(x)/w) / zeta (eq. 15), P_G the generator density (eq. 10).

- Discriminator (eq. 3, 16): maximize mean_x log P_D(x), i.e. minimize
      d_loss = -mean_x D(x)/w + log zeta_hat,
      log zeta_hat = log (1/S) sum_{s<=S} exp(D(y_s)/w - log P_G(y_s)).
  Each step draws K x S generator samples (K = max(1, batch // S)), splits them
  into K groups of S and averages the K estimates of log zeta. With S = 1 this
  is (mean_y D(y) - mean_x D(x)) / w - mean_y log P_G(y): the WGAN critic loss
  (eq. 4) over w plus a term that does not depend on D.
- Generator (eq. 12, 17): minimize w KL(P_G || P_D) up to constants,
      g_loss = mean_z [-w log|det J(z)| - D(G(z))].
- Density: at the end of every epoch of `fit` (and in `update_log_zeta`) an
  S-sample estimate of log zeta (eq. 2, generator as proposal) is stored in the
  non-trainable variable `log_zeta` (checkpointed with the model), so
  `log_prob(x) = D(x)/w - log_zeta` is a normalized log-density estimate.
  The epoch estimate scores the proposal with the generator's own log-det
  (for 'jvp' a biased estimate of log|det J|, so zeta is biased);
  `update_log_zeta(logdet="exact")` scores it with exact log-dets;
  `store_log_zeta` stores a value computed otherwise (`evaluation.final.
  final_log_zeta`: quadrature in 2D, annealed importance sampling for
  images). `log_zeta_method` names how the variable's value was computed.

Not in the paper, off unless passed: a `DefensiveGaussian` share of the zeta
estimate (`objectives.importance`).
"""

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan.critics.mlp import mlp_critic
from tfflowgan.generators.logdet import tape_sources
from tfflowgan.generators.oneway import oneway_generator, sample_chunked
from tfflowgan.objectives import importance
from tfflowgan.objectives.base import GenerativeModel
from tfflowgan.objectives.common import adam, for_precision, scaled_loss
from tfflowgan.objectives.fused_adam import FusedAdam
from tfflowgan.data.units import bits_per_dim


class OneWayFlowGAN(GenerativeModel):
  """Critic D and one-way flow G trained with eq. 16 and eq. 17 (module doc).

  Args:
    generator: a built `OneWayFlow`.
    critic: Keras model [B, *shape] -> [B] or [B, 1].
    spec: the data set's `DataSpec`.
    entropy_weight: w.
    num_zeta_samples: S, generator samples per estimate of zeta in training.
    d_optimizer, g_optimizer: Keras optimizers (built here, for MirroredStrategy).
    generator_steps: generator updates per train step.
    defensive: optional `importance.DefensiveGaussian`.
    num_eval_zeta_samples: S for the stored estimate of log zeta (each epoch
      and, with exact log-dets, after training).
    eval_logdet_samples: K directions for log P_G in the epoch estimate ('jvp' mode).
    ais_chains, ais_temperatures: the final log zeta of an image model by
      annealed importance sampling (`evaluation.ais`; `evaluation.final`).
  """

  likelihood_kind = "estimate"

  def __init__(self, generator, critic, spec, entropy_weight=1.0, num_zeta_samples=1,
               d_optimizer=None, g_optimizer=None, generator_steps=1, defensive=None,
               num_eval_zeta_samples=10000, eval_logdet_samples=None,
               ais_chains=256, ais_temperatures=1000, **kwargs):
    super().__init__(**kwargs)
    self.generator, self.critic, self.spec = generator, critic, spec
    self.entropy_weight = float(entropy_weight)
    self.num_zeta_samples = int(num_zeta_samples)
    self.generator_steps = int(generator_steps)
    self.defensive = defensive
    self.num_eval_zeta_samples = int(num_eval_zeta_samples)
    self.eval_logdet_samples = eval_logdet_samples
    self.ais_chains, self.ais_temperatures = int(ais_chains), int(ais_temperatures)
    self.critic.build((None,) + tuple(spec.shape))
    self.log_zeta = self.add_weight(name="log_zeta", shape=(), initializer="zeros",
                                    trainable=False)
    self.log_zeta_estimated = False
    self.d_optimizer = for_precision(d_optimizer or FusedAdam(1e-5))
    self.g_optimizer = for_precision(g_optimizer or FusedAdam(5e-4))
    self.d_optimizer.build(self.critic.trainable_variables)
    self.g_optimizer.build(self.generator.trainable_variables)
    self._energy_fn = tf.function(self.energy, reduce_retracing=True)
    self._proposal = self._exact_draw = None
    # How the stored log zeta was computed: training's estimate (restored
    # checkpoints hold the last epoch's) until `store_log_zeta` says otherwise.
    self.log_zeta_method = {"method": "importance", "logdet": generator.logdet_mode,
                            "samples": self.num_eval_zeta_samples}
    self.init_metrics("d_loss", "g_loss", "log_zeta_batch", "logdet", "nll", "bits_per_dim")

  # Densities.
  def energy(self, x, training=False):
    """D(x) / w: the unnormalized log-density of P_D (eq. 15), shape [B]."""
    return tf.reshape(self.critic(x, training=training), [-1]) / self.entropy_weight

  def energy_numpy(self, x):
    """`energy` of a numpy batch, traced once per shape, as numpy."""
    return self._energy_fn(tf.convert_to_tensor(x)).numpy()

  def log_prob(self, x):
    """log P_D(x) = D(x)/w - log zeta with the stored estimate of log zeta."""
    return self.energy(x) - self.log_zeta

  # Losses.
  def discriminator_loss(self, x, y, log_pg, training=True):
    """Eq. 16: -mean D(x)/w + log zeta_hat (S-sample groups of y)."""
    log_w = self.energy(y, training) - log_pg
    log_zeta_base, base_weight = None, 0.0
    if self.defensive is not None:
      b, log_q = self.defensive.sample(x, tf.shape(y)[0])
      log_wb = self.energy(b, training) - log_q
      log_zeta_base = tf.reduce_logsumexp(log_wb) - tf.math.log(
          tf.cast(tf.shape(log_wb)[0], log_wb.dtype))
      base_weight = self.defensive.weight
    log_zeta = importance.log_zeta_importance(log_w, self.num_zeta_samples, log_zeta_base,
                                              base_weight)
    return -tf.reduce_mean(self.energy(x, training)) + log_zeta, log_zeta

  def generator_loss(self, y, logdet, training=True):
    """Eq. 17: mean[-w log|det J| - D(G(z))]."""
    d = tf.reshape(self.critic(y, training=training), [-1])
    return tf.reduce_mean(-self.entropy_weight * logdet - d)

  def num_generated(self, batch):
    """K x S samples for the zeta estimate, K = max(1, batch // S)."""
    s = self.num_zeta_samples
    return tf.maximum(batch // s, 1) * s

  def train_step(self, x):
    batch = tf.shape(x)[0]

    # 1. Discriminator: maximize the log-likelihood of x under P_D (eq. 16).
    y, log_pg = self.generator.sample_with_log_prob(self.num_generated(batch), training=True)
    y, log_pg = tf.stop_gradient(y), tf.stop_gradient(log_pg)
    with tf.GradientTape() as tape:
      d_loss, log_zeta = self.discriminator_loss(x, y, log_pg)
      d_scaled = scaled_loss(self.d_optimizer, d_loss)  # replicas, float16
    d_vars = self.critic.trainable_variables
    self.d_optimizer.apply_gradients(zip(tape.gradient(d_scaled, d_vars), d_vars))

    # 2. Generator: minimize w KL(P_G || P_D) = mean[-w log|J| - D(G(z))] (eq. 17).
    for _ in range(self.generator_steps):
      with tf.GradientTape() as tape:
        u = self.generator.sample_inputs(batch)
        y, logdet = self.generator.forward_with_logdet(u, training=True)
        g_loss = self.generator_loss(y, logdet)
        g_scaled = scaled_loss(self.g_optimizer, g_loss)
      g_vars = self.generator.trainable_variables
      g_grads = tape.gradient(g_scaled, tape_sources(g_vars),
                              unconnected_gradients=tf.UnconnectedGradients.ZERO)
      self.g_optimizer.apply_gradients(zip(g_grads, g_vars))

    return self.update_metrics(d_loss=d_loss, g_loss=g_loss, log_zeta_batch=log_zeta,
                               logdet=tf.reduce_mean(logdet))

  def test_step(self, x):
    """d_loss: -mean log P_D(x) with a fresh batch estimate of zeta; nll (and
    bits_per_dim for images) with the stored log_zeta."""
    y, log_pg = self.generator.sample_with_log_prob(
        self.num_generated(tf.shape(x)[0]), training=False)
    d_loss, log_zeta = self.discriminator_loss(x, y, log_pg, training=False)
    log_p = self.log_prob(x)
    out = dict(d_loss=d_loss, log_zeta_batch=log_zeta, nll=-tf.reduce_mean(log_p))
    if self.spec.is_discrete:
      out["bits_per_dim"] = tf.reduce_mean(
          bits_per_dim(log_p, self.spec.num_dims, self.spec.levels))
    return self.update_metrics(**out)

  def fit(self, *args, callbacks=None, **kwargs):
    """`keras.Model.fit` with `UpdateLogZeta` first among the callbacks, so the
    stored log zeta is fresh before any checkpoint of the epoch is written."""
    callbacks = [UpdateLogZeta()] + list(callbacks or [])
    return super().fit(*args, callbacks=callbacks, **kwargs)

  # The partition function and samples.
  def estimate_log_zeta(self, num_samples=None, chunk_size=None, logdet=None, seed=0):
    """An S-sample importance estimate of log zeta, the generator as proposal (eq. 2).

    logdet: None, the proposal density with the generator's own log-det (K =
    eval_logdet_samples for 'jvp'); 'exact', with exact log-dets
    (`importance.exact_generator_proposal`, u from stateless seeds [seed, i]).
    Returns (value, method record for `store_log_zeta`).
    """
    s = int(num_samples or self.num_eval_zeta_samples)
    chunk = chunk_size or (10000 if self.spec.num_dims <= 64 else 256)
    proposal = self.exact_proposal(seed) if logdet == "exact" else self.proposal()
    value = importance.estimate_log_zeta(self.energy_numpy, proposal, s, chunk)
    return value, {"method": "importance", "logdet": logdet or self.generator.logdet_mode,
                   "samples": s}

  def update_log_zeta(self, num_samples=None, chunk_size=None, logdet=None, seed=0):
    """`estimate_log_zeta`, stored; returns the value."""
    value, method = self.estimate_log_zeta(num_samples, chunk_size, logdet, seed)
    self.store_log_zeta(value, method)
    return value

  def store_log_zeta(self, value, method: dict):
    """Stores log zeta and how it was computed (`method`: a dict with key
    'method', e.g. 'importance' or 'quadrature', and that method's settings)."""
    self.log_zeta.assign(value)
    self.log_zeta_estimated = True
    self.log_zeta_method = dict(method)

  def log_zeta_record(self) -> dict:
    """The stored log zeta with its method: `log_zeta_method` and its settings
    as `log_zeta_<setting>` (importance: `log_zeta_logdet`, `log_zeta_samples`)."""
    record = {"log_zeta": float(self.log_zeta.numpy())}
    record.update({"log_zeta_" + k: v for k, v in self.log_zeta_method.items()})
    return record

  def proposal(self):
    """The generator as importance-sampling proposal (inference mode), traced
    once per model."""
    if self._proposal is None:
      self._proposal = importance.generator_proposal(self.generator,
                                                     logdet_samples=self.eval_logdet_samples)
    return self._proposal

  def exact_proposal(self, seed=0):
    """The generator with exact log P_G as proposal, seeded (a fresh proposal
    per estimate; its sampler traced once per model)."""
    if self._exact_draw is None:
      self._exact_draw = importance.exact_generator_sampler(self.generator)
    return importance.exact_generator_proposal(self.generator, seed, self._exact_draw)

  def sample(self, n, seed=None, chunk_size=1000):
    """n samples in data space ([0, 1] images, or raw 2D points), numpy.

    seed: optional stateless seed [2] (chunk i uses seed + [0, i])."""
    x = sample_chunked(self.generator, n, seed, chunk_size)
    return np.clip(x, 0.0, 1.0) if self.spec.is_image else x

  def jacobian_map(self):
    gen = self.generator
    return (lambda u: gen(u, training=False)), gen.sample_inputs, "g_n(u)"


class UpdateLogZeta(keras.callbacks.Callback):
  """Re-estimates and stores the model's log zeta at the end of every epoch."""

  def on_epoch_end(self, epoch, logs=None):
    value = self.model.update_log_zeta()
    if logs is not None:
      logs["log_zeta"] = value


@gin.configurable
def oneway_model(spec, generator=gin.REQUIRED, critic=mlp_critic, latent_dim=None,
                 logdet="exact", logdet_samples=1, entropy_weight=1.0, num_zeta_samples=1,
                 generator_steps=1, defensive=None, d_optimizer=None,
                 g_optimizer=None, num_eval_zeta_samples=10000, eval_logdet_samples=None,
                 ais_chains=256, ais_temperatures=1000, jit_compile=False):
  """gin builder: a built, compiled `OneWayFlowGAN` for `spec`.

  generator: a g_n builder (`@mlp_network`, `@dcgan_network`); critic: a critic builder `input_shape ->
    model` (`@mlp_critic`, `@dcgan_critic`); latent_dim: d (default n);
    logdet: 'exact' or 'jvp'; logdet_samples: K directions per Jv estimate;
  d_optimizer, g_optimizer: optimizer builders (e.g. `@d/adam`), default the
    paper's Adam rates (App. C.2: D 1e-5, G 5e-4; betas 0.9, 0.999);
  defensive: optional `@DefensiveGaussian()`;
  ais_chains, ais_temperatures: AIS of an image model's final log zeta.
  """
  gen = oneway_generator(spec, network=generator, latent_dim=latent_dim, logdet=logdet,
                         logdet_samples=logdet_samples)
  d = critic(spec.shape)
  model = OneWayFlowGAN(
      gen, d, spec, entropy_weight=entropy_weight, num_zeta_samples=num_zeta_samples,
      d_optimizer=d_optimizer() if d_optimizer else adam(1e-5),
      g_optimizer=g_optimizer() if g_optimizer else adam(5e-4),
      generator_steps=generator_steps, defensive=defensive,
      num_eval_zeta_samples=num_eval_zeta_samples, eval_logdet_samples=eval_logdet_samples,
      ais_chains=ais_chains, ais_temperatures=ais_temperatures)
  model.compile(optimizer=None, jit_compile=jit_compile)
  return model
