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
      g_loss = mean_z [-w log|det J(z)| - D(G(z))],
  log|det J| exact or estimated by Jv (see `generators/oneway.py`).
- Density estimates: at the end of every epoch of `fit` (and in
  `update_log_zeta`) an S-sample estimate of log zeta (eq. 2, generator as
  proposal) is stored in the non-trainable variable `log_zeta` (checkpointed
  with the model), so `log_prob(x) = D(x)/w - log_zeta` is a normalized
  log-density (nats; for images a density on [0, 1]^n).

Dynamics. With Adam, w mostly sets the speed of D in log-density units
(about d_learning_rate / w per step). Options that are NOT in the paper, all
off by default, used by the 2D configs (see them for why):
- `base_weight` a > 0 (defensive importance sampling): zeta is estimated as
  (1 - a) zeta_G + a zeta_q, zeta_q from as many samples of a fixed proposal
  q = N(0, base_scale^2 I); still unbiased, and it sees regions the generator
  misses, where an MLP critic otherwise grows D without bound (P_D then is
  not normalizable, the estimate of zeta misses it and training diverges).
  `base_data_share` c > 0 makes q = (1 - c) N(0, base_scale^2 I) + c KDE, a
  Gaussian kernel density (bandwidth `base_bandwidth`) of the data batch:
  a mode of the data that the generator misses then still gets its share of
  proposal samples. Without it such a mode's mass is seen mostly through
  the broad Gaussian's share a: with K equal modes the data push D up there
  with weight 1/K and the estimate pushes it down with about a M / zeta, so
  it settles near M = M_rest / ((K - 1) a), M_rest the mass of the other
  modes (grid, a = 0.1: about 30% on that one mode; 4% is fair).
- `r1_weight`: R1 gradient penalty on data; `generator_steps` > 1.
- `anneal_start` T0 >= 1, `anneal_steps` N (generator tempering): the
  generator's entropy weight is w T(t), T falling linearly from T0 to T1 =
  `anneal_end` (default 1) over the first N generator updates and T1 after.
  The generator then targets P_D^(1/T) (eq. 17 with D/T), a flattened P_D
  that a generator can spread over before it sharpens onto the modes; with
  T1 = 1, from step N on the objective is the paper's. T1 < 1 makes the
  generator target the sharpened P_D^(1/T1) (low-temperature sampling, as
  the truncation trick of GANs: sharper samples for some diversity); P_D
  itself is then still the model of the data, the generator its sampler.
  The discriminator's loss and P_D = exp(D/w)/zeta never change (importance
  sampling is unbiased under any proposal).
- `ema_decay` beta > 0: an exponential moving average of the generator's
  weights (Polyak averaging, Yazici et al. 2019) is kept, and the averaged
  generator is the one that samples (`sample_images`, the 2D metric, export)
  and the proposal of the stored log zeta (unbiased for any proposal). It
  evens out the late oscillation of the S = 1 critic-generator game.
- `data_noise` sigma0, `data_noise_steps` M (instance noise): the data seen
  by the discriminator get N(0, sigma(t)^2 I) noise, sigma falling linearly
  from sigma0 to 0 over the first M discriminator updates: P_D first learns a
  blurred target whose modes are joined, then sharpens onto the data. From
  step M on the objective is the paper's.
- `g_lr_drop_step`, `g_lr_drop_factor` (of `oneway_model`): the generator's
  Adam rate drops by the factor at that generator update, for the late phase
  in which samples must stay inside modes a few hundredths wide.
"""

import contextlib

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.critics.mlp import mlp_critic
from tfflowgan.data import toy2d
from tfflowgan.data.units import bits_per_dim
from tfflowgan.evaluation import modes2d, partition
from tfflowgan.generators.oneway import (oneway_generator, standard_normal_log_prob,
                                         tape_sources)
from tfflowgan.objectives.common import adam, mean_metrics, replica_mean


def log_zeta_importance(log_weights, group_size: int, log_zeta_base=None,
                        base_weight: float = 0.0):
  """Mean over groups of log (1/S) sum_s exp(log_weights) (eq. 2 in log form).

  log_weights: [K * S] values D(y)/w - log P_G(y); group_size: S.
  log_zeta_base, base_weight: optional second unbiased estimate of zeta (from
  a fixed broad proposal) mixed in as (1 - a) zeta_G + a zeta_base per group.
  """
  groups = tf.reshape(log_weights, [-1, group_size])
  log_zeta = tf.reduce_logsumexp(groups, axis=1) - np.log(group_size)
  if base_weight:
    base = tf.cast(log_zeta_base, log_zeta.dtype) + float(np.log(base_weight))
    log_zeta = tf.reduce_logsumexp(tf.stack([
        log_zeta + float(np.log1p(-base_weight)),
        tf.broadcast_to(base, tf.shape(log_zeta))]), 0)
  return tf.reduce_mean(log_zeta)


def _fraction_left(optimizer, steps: int):
  """max(0, 1 - t / steps), t the optimizer's update count (checkpointed with
  it, so a linear schedule on it resumes where it stopped); float32."""
  done = tf.cast(optimizer.iterations, tf.float32) / float(steps)
  return tf.maximum(0.0, 1.0 - done)


class OneWayFlowGAN(keras.Model):
  """Critic D and one-way flow G trained with eq. 16 and eq. 17 (module doc).

  Args:
    generator: a built `OneWayFlow`.
    critic: Keras model [B, *shape] -> [B] or [B, 1].
    spec: the data set's `DataSpec`.
    entropy_weight: w.
    num_zeta_samples: S, generator samples per estimate of zeta in training.
    d_optimizer, g_optimizer: Keras optimizers (built here, for MirroredStrategy).
    critic_steps: discriminator updates per train step (same data batch).
    generator_steps: generator updates per train step.
    r1_weight: gamma of the optional R1 penalty on D (not in the paper; 0 = off).
    base_weight, base_scale: optional defensive share a of zeta estimated from
      N(0, base_scale^2 I) samples (not in the paper; 0 = off; module doc).
    base_data_share, base_bandwidth: share c of that proposal drawn from a
      Gaussian kernel density of the data batch, and its bandwidth (0 = off).
    anneal_start, anneal_steps, anneal_end: generator tempering T0 -> T1 over
      N generator updates (not in the paper; 1 / 0 / 1 = off; module doc).
    data_noise, data_noise_steps: instance noise sigma0 -> 0 over M
      discriminator updates (not in the paper; 0 / 0 = off; module doc).
    ema_decay: generator weight averaging for sampling and the stored log zeta
      (not in the paper; 0 = off; module doc).
    num_eval_zeta_samples: S for the stored estimate of log zeta.
    eval_logdet_samples: K directions for log P_G in that estimate ('jvp' mode).
  """

  def __init__(self, generator, critic, spec, entropy_weight=1.0,
               num_zeta_samples=1, d_optimizer=None, g_optimizer=None,
               critic_steps=1, generator_steps=1, r1_weight=0.0,
               base_weight=0.0, base_scale=1.0, base_data_share=0.0, base_bandwidth=0.1,
               anneal_start=1.0, anneal_steps=0, anneal_end=1.0, data_noise=0.0,
               data_noise_steps=0, ema_decay=0.0,
               num_eval_zeta_samples=10000, eval_logdet_samples=None, **kwargs):
    super().__init__(**kwargs)
    self.generator, self.critic, self.spec = generator, critic, spec
    self.entropy_weight = float(entropy_weight)
    self.num_zeta_samples = int(num_zeta_samples)
    self.critic_steps = int(critic_steps)
    self.generator_steps = int(generator_steps)
    self.r1_weight = float(r1_weight)
    self.base_weight, self.base_scale = float(base_weight), float(base_scale)
    if not 0.0 <= base_data_share < 1.0 or base_bandwidth <= 0:
      raise ValueError(f"need 0 <= base_data_share < 1 and base_bandwidth > 0, got "
                       f"{base_data_share}, {base_bandwidth}")
    self.base_data_share, self.base_bandwidth = float(base_data_share), float(base_bandwidth)
    if not 0.0 < anneal_end <= 1.0 or anneal_start < 1.0 or anneal_steps < 0:
      raise ValueError(f"need 0 < anneal_end <= 1 <= anneal_start and anneal_steps "
                       f">= 0, got {anneal_end}, {anneal_start}, {anneal_steps}")
    self.anneal_start, self.anneal_steps = float(anneal_start), int(anneal_steps)
    self.anneal_end = float(anneal_end)
    if data_noise < 0 or data_noise_steps < 0:
      raise ValueError(f"need data_noise >= 0 and data_noise_steps >= 0, got "
                       f"{data_noise}, {data_noise_steps}")
    self.data_noise, self.data_noise_steps = float(data_noise), int(data_noise_steps)
    if not 0.0 <= ema_decay < 1.0:
      raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay}")
    self.ema_decay = float(ema_decay)
    self.num_eval_zeta_samples = int(num_eval_zeta_samples)
    self.eval_logdet_samples = eval_logdet_samples
    self.critic.build((None,) + tuple(spec.shape))
    self.log_zeta = self.add_weight(name="log_zeta", shape=(), initializer="zeros",
                                    trainable=False)
    self.d_optimizer = d_optimizer or keras.optimizers.Adam(1e-5)
    self.g_optimizer = g_optimizer or keras.optimizers.Adam(5e-4)
    self.d_optimizer.build(self.critic.trainable_variables)
    self.g_optimizer.build(self.generator.trainable_variables)
    self.ema_weights = []
    if self.ema_decay:
      for i, v in enumerate(self.generator.weights):
        ema = self.add_weight(name=f"generator_ema_{i}", shape=v.shape, dtype=v.dtype,
                              initializer="zeros", trainable=False)
        ema.assign(v)
        self.ema_weights.append(ema)
    self._energy_fn = tf.function(self.energy, reduce_retracing=True)
    self.trackers = mean_metrics("d_loss", "g_loss", "log_zeta_batch", "logdet",
                                 "nll", "bits_per_dim")

  @property
  def metrics(self):
    return list(self.trackers.values())

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

  def call(self, x):
    return self.log_prob(x)

  # Losses.
  def discriminator_loss(self, x, y, log_pg, training=True):
    """Eq. 16: -mean D(x)/w + log zeta_hat (S-sample groups of y)."""
    log_w = self.energy(y, training) - log_pg
    log_zeta_base = None
    if self.base_weight:
      b, log_q = self.base_samples(x, tf.shape(y)[0])
      log_wb = self.energy(b, training) - log_q
      log_zeta_base = tf.reduce_logsumexp(log_wb) - tf.math.log(
          tf.cast(tf.shape(log_wb)[0], log_wb.dtype))
    log_zeta = log_zeta_importance(log_w, self.num_zeta_samples, log_zeta_base,
                                   self.base_weight)
    return -tf.reduce_mean(self.energy(x, training)) + log_zeta, log_zeta

  def base_samples(self, x, n):
    """n draws b of the defensive proposal and log q(b) (module doc):
        q = (1 - c) N(0, s^2 I) + c (1/B) sum_i N(x_i, h^2 I),
    s = `base_scale`, c = `base_data_share` (a Gaussian kernel density of the
    batch x, bandwidth h = `base_bandwidth`; off when c = 0)."""
    s, c, h = self.base_scale, self.base_data_share, self.base_bandwidth
    x = tf.cast(x, tf.float32)
    shape = tf.concat([[n], tf.shape(x)[1:]], 0)
    b = s * tf.random.normal(shape)
    if c:
      batch = tf.shape(x)[0]
      centers = tf.gather(x, tf.random.uniform([n], 0, batch, dtype=tf.int32))
      pick = tf.reshape(tf.random.uniform([n]) < c, [-1] + [1] * (len(x.shape) - 1))
      b = tf.where(pick, centers + h * tf.random.normal(shape), b)
    flat_b = tf.reshape(b, [n, -1])
    log_q = standard_normal_log_prob(flat_b / s) - self.spec.num_dims * np.log(s)
    if c:
      flat_x = tf.reshape(x, [batch, -1])
      sq = (tf.reduce_sum(tf.square(flat_b), 1)[:, None]
            - 2.0 * tf.matmul(flat_b, flat_x, transpose_b=True)
            + tf.reduce_sum(tf.square(flat_x), 1)[None, :])
      log_kde = (tf.reduce_logsumexp(-0.5 * tf.maximum(sq, 0.0) / h ** 2, axis=1)
                 - tf.math.log(tf.cast(batch, tf.float32))
                 - 0.5 * self.spec.num_dims * np.log(2 * np.pi * h ** 2))
      log_q = tf.reduce_logsumexp(
          tf.stack([log_q + np.log1p(-c), log_kde + np.log(c)]), 0)
    return b, log_q

  def r1_penalty(self, x, training=True):
    """(gamma / 2) mean ||grad_x D(x)||^2 on data: R1 (Mescheder et al. 2018).

    A stabilizer that is not in the paper (0 = off, the default). It bounds how
    fast D, hence log P_D = D/w - log zeta, can change around the data, so its
    strength in log-density units is gamma w^2.
    """
    with tf.GradientTape() as tape:
      tape.watch(x)
      d = self.critic(x, training=training)
    grad = tf.reshape(tape.gradient(d, x), [tf.shape(x)[0], -1])
    return 0.5 * self.r1_weight * tf.reduce_mean(tf.reduce_sum(tf.square(grad), -1))

  def temperature(self):
    """T(t) of the generator tempering: T0 -> T1 linearly over `anneal_steps`
    generator updates, then T1 (T1 when `anneal_steps` is 0)."""
    if not self.anneal_steps or self.anneal_start == self.anneal_end:
      return tf.constant(self.anneal_end)
    left = _fraction_left(self.g_optimizer, self.anneal_steps)
    return self.anneal_end + (self.anneal_start - self.anneal_end) * left

  def noisy(self, x):
    """x + sigma(t) eps, sigma falling linearly from `data_noise` to 0 over
    `data_noise_steps` discriminator updates (x itself when off)."""
    if not self.data_noise or not self.data_noise_steps:
      return x
    sigma = self.data_noise * _fraction_left(self.d_optimizer, self.data_noise_steps)
    return x + tf.cast(sigma, x.dtype) * tf.random.normal(tf.shape(x), dtype=x.dtype)

  def generator_loss(self, y, logdet, training=True):
    """Eq. 17: mean[-w T log|det J| - D(G(z))] (T = 1 unless tempering)."""
    d = tf.reshape(self.critic(y, training=training), [-1])
    return tf.reduce_mean(-self.entropy_weight * self.temperature() * logdet - d)

  def num_generated(self, batch):
    """K x S samples for the zeta estimate, K = max(1, batch // S)."""
    s = self.num_zeta_samples
    return tf.maximum(batch // s, 1) * s

  def train_step(self, x):
    batch = tf.shape(x)[0]

    # 1. Discriminator: maximize the log-likelihood of x under P_D (eq. 16).
    for _ in range(self.critic_steps):
      y, log_pg = self.generator.sample_with_log_prob(self.num_generated(batch),
                                                      training=True)
      y, log_pg = tf.stop_gradient(y), tf.stop_gradient(log_pg)
      with tf.GradientTape() as tape:
        d_loss, log_zeta = self.discriminator_loss(self.noisy(x), y, log_pg)
        if self.r1_weight:
          d_loss += self.r1_penalty(x)
        scaled_loss = replica_mean(d_loss)  # MirroredStrategy scaling
      d_vars = self.critic.trainable_variables
      d_grads = tape.gradient(scaled_loss, d_vars)
      self.d_optimizer.apply_gradients(zip(d_grads, d_vars))

    # 2. Generator: minimize w KL(P_G || P_D) = mean[-w log|J| - D(G(z))] (eq. 17).
    for _ in range(self.generator_steps):
      with tf.GradientTape() as tape:
        u = self.generator.sample_inputs(batch)
        y, logdet = self.generator.forward_with_logdet(u, training=True)
        g_loss = self.generator_loss(y, logdet)
        scaled_loss = replica_mean(g_loss)
      g_vars = self.generator.trainable_variables
      g_grads = tape.gradient(scaled_loss, tape_sources(g_vars),
                              unconnected_gradients=tf.UnconnectedGradients.ZERO)
      self.g_optimizer.apply_gradients(zip(g_grads, g_vars))

    # 3. Optional average of the generator's weights (module doc).
    for ema, v in zip(self.ema_weights, self.generator.weights):
      ema.assign(self.ema_decay * ema + (1.0 - self.ema_decay) * v)

    return self._update(d_loss=d_loss, g_loss=g_loss, log_zeta_batch=log_zeta,
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
    return self._update(**out)

  def _update(self, **values):
    for name, value in values.items():
      self.trackers[name].update_state(value)
    return {name: self.trackers[name].result() for name in values}

  # After training.
  def fit(self, *args, callbacks=None, **kwargs):
    """`keras.Model.fit` with `UpdateLogZeta` first among the callbacks, so the
    stored log zeta is fresh before any checkpoint of the epoch is written."""
    callbacks = [UpdateLogZeta()] + list(callbacks or [])
    return super().fit(*args, callbacks=callbacks, **kwargs)

  @contextlib.contextmanager
  def averaged_generator(self):
    """Within the block the generator holds its averaged weights (when
    `ema_decay` > 0; otherwise nothing changes); they are put back after."""
    if not self.ema_weights:
      yield self.generator
      return
    saved = [v.numpy() for v in self.generator.weights]
    for v, ema in zip(self.generator.weights, self.ema_weights):
      v.assign(ema)
    try:
      yield self.generator
    finally:
      for v, value in zip(self.generator.weights, saved):
        v.assign(value)

  def update_log_zeta(self, num_samples=None, chunk_size=None):
    """Estimates log zeta from S generator samples (eq. 2) and stores it
    (the averaged generator is the proposal when `ema_decay` > 0)."""
    s = int(num_samples or self.num_eval_zeta_samples)
    chunk = chunk_size or (10000 if self.spec.num_dims <= 64 else 256)
    with self.averaged_generator():
      value = partition.estimate_log_zeta(self.energy_numpy, self.proposal(), s, chunk)
    self.log_zeta.assign(value)
    self.log_zeta_estimated = True
    return value

  def proposal(self):
    """The generator as importance-sampling proposal (inference mode)."""
    return partition.generator_proposal(self.generator,
                                        logdet_samples=self.eval_logdet_samples)

  def sample_images(self, n, seed=None, chunk_size=1000):
    """n samples in data space ([0, 1] images, or raw 2D points), numpy.

    seed: optional stateless seed [2] (chunk i uses seed + [0, i])."""
    parts = []
    with self.averaged_generator():
      for i in range(0, n, chunk_size):
        s = None if seed is None else tf.cast(seed, tf.int32) + tf.constant([0, i])
        parts.append(self.generator.sample(min(chunk_size, n - i), seed=s).numpy())
    x = np.concatenate(parts, axis=0)
    return np.clip(x, 0.0, 1.0) if self.spec.is_image else x

  def final_metrics(self, test_batches):
    """log zeta (the stored estimate; estimated now if it never was), test NLL
    under P_D; 2D mixtures add VEEGAN's modes and % high-quality samples over
    2,500 generated points, the same metric for P_D itself
    (`modes2d.density_quality`: density_modes, density_high_quality), and
    log zeta and the test NLL with zeta by quadrature (`modes2d.log_normalizer`:
    log_zeta_quadrature, test_nll_quadrature), a check of the stored estimate."""
    if not getattr(self, "log_zeta_estimated", False):
      self.update_log_zeta()
    out = {"log_zeta": float(self.log_zeta.numpy())}
    log_p = np.concatenate([self.log_prob(x).numpy() for x in test_batches])
    out["test_nll"] = float(-log_p.mean())
    if self.spec.is_discrete:
      out["test_bits_per_dim"] = float(np.mean(bits_per_dim(
          log_p, self.spec.num_dims, self.spec.levels)))
    if self.spec.name in toy2d.MIXTURES:
      samples = self.sample_images(modes2d.NUM_EVAL_POINTS)
      out.update(modes2d.mixture_metrics(self.spec.name, samples))
      out.update(modes2d.density_quality(self.spec.name, self.energy_numpy))
      # the stored (importance-sampled) log zeta against quadrature
      log_zeta_q = modes2d.log_normalizer(self.spec.name, self.energy_numpy)
      out["log_zeta_quadrature"] = log_zeta_q
      out["test_nll_quadrature"] = out["test_nll"] - out["log_zeta"] + log_zeta_q
    return out


class UpdateLogZeta(keras.callbacks.Callback):
  """Re-estimates and stores the model's log zeta at the end of every epoch."""

  def on_epoch_end(self, epoch, logs=None):
    value = self.model.update_log_zeta()
    if logs is not None:
      logs["log_zeta"] = value


@gin.configurable
def oneway_model(spec, generator="mlp", critic="mlp", latent_dim=None,
                 entropy_weight=1.0, num_zeta_samples=1, logdet="exact",
                 logdet_samples=1, d_learning_rate=1e-5, g_learning_rate=5e-4,
                 beta_1=0.9, beta_2=0.999, critic_steps=1, generator_steps=1,
                 r1_weight=0.0, base_weight=0.0, base_scale=1.0, base_data_share=0.0,
                 base_bandwidth=0.1, anneal_start=1.0, anneal_steps=0, anneal_end=1.0,
                 data_noise=0.0, data_noise_steps=0, ema_decay=0.0, num_eval_zeta_samples=10000,
                 eval_logdet_samples=None, g_lr_drop_step=0, g_lr_drop_factor=1.0,
                 jit_compile=False):
  """gin builder: a built, compiled `OneWayFlowGAN` for `spec`.

  generator: 'mlp', 'voronoi' or 'dcgan' g_n (configure `mlp_network` /
    `voronoi_experts_network` / `dcgan_network`);
  critic: 'mlp' or 'dcgan' (configure `mlp_critic` / `dcgan_critic`);
  latent_dim: d (default n); logdet: 'exact' or 'jvp'; logdet_samples: K
  directions v per Jv estimate (1 = one sample); Adam rates default to the
  paper's (App. C.2: D 1e-5, G 5e-4; PyTorch betas 0.9, 0.999).
  g_lr_drop_step, g_lr_drop_factor: the generator's rate times the factor
  from that generator update on (not in the paper; 1 = off): Adam moves
  each weight by about the rate per step whatever the gradient's size, so
  once samples sit in modes a few std wide the late steps must be small.
  """
  gen = oneway_generator(spec, network=generator, latent_dim=latent_dim,
                         logdet=logdet, logdet_samples=logdet_samples)
  if critic == "mlp":
    d = mlp_critic(spec.shape)
  elif critic == "dcgan":
    d = dcgan_critic(spec.shape)
  else:
    raise ValueError(f"critic must be 'mlp' or 'dcgan', got {critic!r}")
  if g_lr_drop_factor <= 0 or g_lr_drop_step < 0:
    raise ValueError(f"need g_lr_drop_factor > 0 and g_lr_drop_step >= 0, got "
                     f"{g_lr_drop_factor}, {g_lr_drop_step}")
  g_drop = {}
  if g_lr_drop_factor != 1.0:
    g_drop = dict(drop_step=g_lr_drop_step, drop_factor=g_lr_drop_factor)
  model = OneWayFlowGAN(
      gen, d, spec, entropy_weight=entropy_weight,
      num_zeta_samples=num_zeta_samples,
      d_optimizer=adam(d_learning_rate, beta_1=beta_1, beta_2=beta_2),
      g_optimizer=adam(g_learning_rate, beta_1=beta_1, beta_2=beta_2, **g_drop),
      critic_steps=critic_steps, generator_steps=generator_steps,
      r1_weight=r1_weight, base_weight=base_weight, base_scale=base_scale,
      base_data_share=base_data_share, base_bandwidth=base_bandwidth,
      anneal_start=anneal_start, anneal_steps=anneal_steps, anneal_end=anneal_end,
      data_noise=data_noise, data_noise_steps=data_noise_steps, ema_decay=ema_decay,
      num_eval_zeta_samples=num_eval_zeta_samples,
      eval_logdet_samples=eval_logdet_samples)
  model.compile(optimizer=None, jit_compile=jit_compile)
  return model
