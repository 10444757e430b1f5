"""The Flow-GAN family: MLE, ADV and Hybrid training of one flow generator.

One `keras.Model`, two optimizers (Grover et al. 2018, eq. 4; Danihelka et
al. 2017, sec. 2.2, 4 and fig. 15-16). With x_g = G(z), z from the prior:

  critic:    minimize L_D = critic loss(f(x_r), f(x_g)) [+ gp_weight * GP]
  generator: minimize L_G = adversarial_weight * L_adv(f(x_g))
                            + nll_weight * NLL,   NLL = -mean log p(x_r) / D

NLL is in nats per dimension of the continuous density on [0, 1]^D (the
gradient of bits/dim times ln 2), so lambda = nll_weight does not grow with
the image size; critic outputs of WGAN-GP are O(1)-O(100). MLE: adversarial
weight 0 (the critic still trains, apart from the generator, so that its
Wasserstein estimate exists); ADV: nll_weight 0; Hybrid: both. Flow-GAN's
code minimizes L_adv / like_reg + NLL per image: that is nll_weight = D,
adversarial_weight = 1 / like_reg (Adam/RMSProp are invariant to the overall
scale). Losses: 'wgan' (weight clipping), 'wgan_gp', 'gan' (non-saturating),
see `adversarial_losses`. Images go to the critic rescaled to [-1, 1].

Schedule: one data batch = one critic update (fresh real data for every
critic update, as in the WGAN code), so `steps_per_epoch` counts critic
updates. `critic_step` makes one critic update; `train_step` makes the round's
last critic update and then the generator update on the same batch. Which of
the two compiled steps `model.fit` runs is decided on the host before each
batch from two counter variables, `generator_steps` and `round_critic_steps`
(checkpointed with the model, so a resumed run continues the schedule): a
round has n_critic critic updates, or with `critic_schedule` Danihelka's 100
when generator_steps < 25 or a multiple of 500. (A `tf.cond` around the
generator update fails under MirroredStrategy: an optimizer update is a
cross-replica sync point, and those may not sit inside graph control flow.)
Per-replica losses are local means / replicas (`replica_mean`), so a
mirrored step equals a single-device step on the global batch; exceptions:
batch norm in a critic and the fast-learning critic, whose embedding averages
each replica's own x_e.

After training, `final_metrics` reports each critic's W_hat(test, G) and,
with `heldout_critic_steps`, that of a fresh critic trained against the
frozen generator on half of the test set and scored on the other half.
"""

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan import critics
from tfflowgan.data.units import bits_per_dim
from tfflowgan.evaluation import independent_critic as ic
from tfflowgan.objectives import adversarial_losses as al
from tfflowgan.objectives.common import (adam, mean_metrics, replica_mean,
                                         update_likelihood_metrics)
from tfflowgan.objectives.mle import FlowModel


class FlowGAN(FlowModel):
  """Flow generator + critic trained as described in the module doc.

  Args:
    generator: a `FlowGenerator`.
    critic: Keras model [B, *shape] -> [B, 1], or a conditional critic with
      `embed(x_e)` and `score(x, e)` (the fast-learning critic); its
      `clippable_variables` (default all) are clipped by loss 'wgan'.
    spec: the data set's `DataSpec`.
    loss: 'wgan', 'wgan_gp' or 'gan'.
    nll_weight, adversarial_weight: lambda and the adversarial weight of L_G.
    n_critic: critic updates per generator update.
    critic_schedule: Danihelka's schedule (heavy_critic_steps when generator
      step < warmup_steps or a multiple of heavy_every, else n_critic).
    clip_value: WGAN box [-c, c]. gp_weight: WGAN-GP penalty.
    num_extra_samples: size of x_e for a conditional critic.
    g_optimizer, d_optimizer: built here (MirroredStrategy needs it).
    eval_critic, e_optimizer: optional independent critic (Danihelka 3.5),
      same loss and clipping, one update per batch, never seen by G.
    heldout_critic, heldout_critic_steps: a critic builder and a step count
      for `final_metrics`' held-out Wasserstein estimate (0: none).
  """

  def __init__(self, generator, critic, spec, loss="wgan_gp", nll_weight=0.0,
               adversarial_weight=1.0, n_critic=5, critic_schedule=False,
               heavy_critic_steps=100, warmup_steps=25, heavy_every=500,
               clip_value=0.01, gp_weight=10.0, num_extra_samples=64,
               g_optimizer=None, d_optimizer=None, eval_critic=None,
               e_optimizer=None, heldout_critic=None, heldout_critic_steps=0,
               **kwargs):
    super().__init__(**kwargs)
    if nll_weight <= 0 and adversarial_weight <= 0:
      raise ValueError("nll_weight or adversarial_weight must be positive")
    self.generator, self.critic, self.spec = generator, critic, spec
    self.eval_critic = eval_critic
    self.loss_name = loss
    self.critic_loss_fn, self.adv_loss_fn, self.use_gp, self.use_clip = al.get_loss(loss)
    self.nll_weight, self.adversarial_weight = float(nll_weight), float(adversarial_weight)
    self.n_critic, self.critic_schedule = int(n_critic), bool(critic_schedule)
    self.heavy_critic_steps, self.warmup_steps = int(heavy_critic_steps), int(warmup_steps)
    self.heavy_every = int(heavy_every)
    self.clip_value, self.gp_weight = float(clip_value), float(gp_weight)
    self.num_extra_samples = int(num_extra_samples)
    self.heldout_critic, self.heldout_critic_steps = heldout_critic, int(heldout_critic_steps)

    self.generator.build()
    self.g_optimizer = g_optimizer or adam(1e-4, beta_1=0.5, beta_2=0.9)
    self.d_optimizer = d_optimizer or adam(1e-4, beta_1=0.5, beta_2=0.9)
    self.g_optimizer.build(self.generator.trainable_variables)
    self._build_critic(self.critic, self.d_optimizer)
    if eval_critic is not None:
      self.e_optimizer = e_optimizer or adam(1e-4, beta_1=0.5, beta_2=0.9)
      self._build_critic(eval_critic, self.e_optimizer)
    counter = dict(shape=(), dtype="int64", initializer="zeros", trainable=False,
                   aggregation="only_first_replica")
    self.generator_steps = self.add_weight(name="generator_steps", **counter)
    self.round_critic_steps = self.add_weight(name="round_critic_steps", **counter)
    names = ["critic_loss", "wasserstein", "generator_loss", "nll", "bits_per_dim"]
    names += ["gradient_penalty"] if self.use_gp else []
    names += ["independent_wasserstein"] if eval_critic is not None else []
    self.metric_means = mean_metrics(*names)

  def _build_critic(self, critic, optimizer=None):
    dummy = tf.zeros((1,) + tuple(self.spec.shape))
    if self._conditional(critic):
      critic.score(dummy, critic.embed(dummy))
    else:
      critic(dummy)
    if optimizer is not None:
      optimizer.build(critic.trainable_variables)

  # Random draws (methods, so tests can make them deterministic).
  def sample_latent(self, n):
    return self.generator.sample_latent(n)

  def interpolation_weights(self, n):
    return tf.random.uniform([n])

  def generate(self, n):
    """x_g = G(z) in [0, 1]^D, differentiable in the generator weights."""
    return self.generator.decode(self.sample_latent(n))

  # Critic helpers.
  @staticmethod
  def to_critic(x):
    return 2.0 * x - 1.0

  @staticmethod
  def _conditional(critic):
    return getattr(critic, "conditional", False)

  def extra_samples(self):
    """x_e for a conditional critic (no generator gradient: stop_gradient)."""
    return tf.stop_gradient(self.to_critic(self.generate(self.num_extra_samples)))

  def critic_fn(self, critic, x_e=None, training=False):
    """x -> f(x) or f(x, x_e) (one embedding of x_e for all x, Algorithm 1)."""
    if not self._conditional(critic):
      return lambda x: critic(x, training=training)
    e = critic.embed(tf.stop_gradient(x_e))
    return lambda x: critic.score(x, e, training=training)

  def critic_updates(self, generator_step: int) -> int:
    """Critic updates in the round before generator step `generator_step`
    (0-based; the WGAN code's `Diters`)."""
    heavy = generator_step < self.warmup_steps or generator_step % self.heavy_every == 0
    return self.heavy_critic_steps if self.critic_schedule and heavy else self.n_critic

  def generator_due(self) -> bool:
    """True if the next critic update completes the round (host-side read)."""
    done = int(self.round_critic_steps.numpy()) + 1
    return done >= self.critic_updates(int(self.generator_steps.numpy()))

  def _clippable(self, critic):
    return getattr(critic, "clippable_variables", critic.trainable_variables)

  # Updates.
  def critic_update(self, critic, optimizer, x_real, x_fake, x_e=None):
    """One critic step on [-1, 1] batches; returns (loss, W_hat, GP)."""
    with tf.GradientTape() as tape:
      f = self.critic_fn(critic, x_e, training=True)
      real, fake = f(x_real), f(x_fake)
      loss = self.critic_loss_fn(real, fake)
      gp = tf.constant(0.0)
      if self.use_gp:
        gp = al.gradient_penalty(f, x_real, x_fake,
                                 self.interpolation_weights(tf.shape(x_real)[0]))
        loss = loss + self.gp_weight * gp
      scaled = replica_mean(loss)  # inside the tape
    variables = critic.trainable_variables
    grads = tape.gradient(scaled, variables)
    optimizer.apply_gradients(zip(grads, variables))
    if self.use_clip:
      al.clip_weights(self._clippable(critic), self.clip_value)
    return loss, al.wasserstein_estimate(real, fake), gp

  def generator_update(self, x):
    """One generator step on L_G; returns (log p(x) [B], L_G)."""
    with tf.GradientTape() as tape:
      if self.nll_weight > 0:
        log_p = self.generator.log_prob(x)
        loss = self.nll_weight * -tf.reduce_mean(log_p) / self.spec.num_dims
      else:
        loss = tf.constant(0.0)
      if self.adversarial_weight > 0:
        x_e = self.extra_samples() if self._conditional(self.critic) else None
        f = self.critic_fn(self.critic, x_e, training=True)
        fake = f(self.to_critic(self.generate(tf.shape(x)[0])))
        loss = loss + self.adversarial_weight * self.adv_loss_fn(fake)
      scaled = replica_mean(loss)
    variables = self.generator.trainable_variables
    grads = tape.gradient(scaled, variables,
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    self.g_optimizer.apply_gradients(zip(grads, variables))
    if self.nll_weight <= 0:
      log_p = self.generator.log_prob(x)
    self.generator_steps.assign_add(1)
    self.round_critic_steps.assign(0)
    return log_p, loss

  def make_train_function(self, force=False):
    """Two compiled steps and a host-side dispatcher (module doc): under
    MirroredStrategy an optimizer update (a cross-replica sync point) may
    not sit inside `tf.cond`, so the schedule is decided outside the graph."""
    if self.train_function is not None and not force:
      return self.train_function
    if self.steps_per_execution != 1:
      raise ValueError("FlowGAN needs steps_per_execution = 1")
    critic_only = self._make_function(self.critic_step)
    full_round = self._make_function(self.train_step)

    def train_function(iterator):
      return full_round(iterator) if self.generator_due() else critic_only(iterator)

    self.train_function = train_function
    return train_function

  def critic_step(self, x, nll=True):
    """One critic update on this batch: maximize W_hat (eq. 2) or the GAN loss;
    also the independent critic's update; `nll`: log the batch's NLL too."""
    x_real = self.to_critic(x)
    x_fake = tf.stop_gradient(self.to_critic(self.generate(tf.shape(x)[0])))
    x_e = self.extra_samples() if self._conditional(self.critic) else None
    d_loss, w, gp = self.critic_update(self.critic, self.d_optimizer, x_real, x_fake, x_e)
    out = {"critic_loss": d_loss, "wasserstein": w}
    if self.use_gp:
      out["gradient_penalty"] = gp
    if self.eval_critic is not None:
      x_e2 = self.extra_samples() if self._conditional(self.eval_critic) else None
      out["independent_wasserstein"] = self.critic_update(
          self.eval_critic, self.e_optimizer, x_real, x_fake, x_e2)[1]
    self.round_critic_steps.assign_add(1)
    for name, value in out.items():
      self.metric_means[name].update_state(value)
    if nll:
      update_likelihood_metrics(self.metric_means, self.generator.log_prob(tf.identity(x)),
                                self.spec)
    return self._logs()

  def train_step(self, x):
    """The round's last critic update, then the generator update (same batch)."""
    self.critic_step(x, nll=False)
    log_p, g_loss = self.generator_update(tf.identity(x))
    self.metric_means["generator_loss"].update_state(g_loss)
    update_likelihood_metrics(self.metric_means, log_p, self.spec)
    return self._logs()

  def _logs(self):
    """Running epoch means of every metric (the same keys from both steps)."""
    logs = {name: m.result() for name, m in self.metric_means.items()}
    logs["generator_steps"] = tf.cast(self.generator_steps, tf.float32)
    return logs

  def test_step(self, x):
    """Validation NLL/bits per dim and the critics' W_hat vs fresh samples."""
    out = {}
    x_real = self.to_critic(x)
    x_fake = self.to_critic(self.generate(tf.shape(x)[0]))
    for key, critic in (("wasserstein", self.critic),
                        ("independent_wasserstein", self.eval_critic)):
      if critic is not None:
        x_e = self.extra_samples() if self._conditional(critic) else None
        f = self.critic_fn(critic, x_e)
        out[key] = al.wasserstein_estimate(f(x_real), f(x_fake))
    return self._update(self.generator.log_prob(x), **out)

  def _update(self, log_p, **values):
    update_likelihood_metrics(self.metric_means, log_p, self.spec)
    for name, value in values.items():
      self.metric_means[name].update_state(value)
    return {k: self.metric_means[k].result()
            for k in ["nll", "bits_per_dim"] + list(values)}

  # After training.
  def final_metrics(self, test_batches, seed=1234, min_samples=2000, chunk=500):
    """After training: each critic's W_hat(test, G) = mean f(x_test) over the
    whole test set - mean f(x_g) over max(#test, min_samples) samples with a
    fixed seed (Danihelka eq. 8), and the median bits/dim the generator gives
    its own samples (Danihelka 3.2: negative after WGAN training)."""
    seed = int(seed)
    x_e = self.to_critic(self.generator.sample(self.num_extra_samples,
                                               seed=tf.constant([seed, -1])))
    real = [self._final_scores(self.to_critic(x), x_e) for x in test_batches]
    real = {k: np.concatenate([r[k].numpy() for r in real]) for k in real[0]}
    num = max(len(next(iter(real.values()))), int(min_samples))
    fake, sample_bpd = [], []
    for i, start in enumerate(range(0, num, chunk)):
      x_g, log_pg = self._final_samples(min(chunk, num - start), tf.constant([seed, i]))
      fake.append(self._final_scores(self.to_critic(x_g), x_e))
      sample_bpd.append(bits_per_dim(log_pg, self.spec.num_dims, self.spec.levels).numpy())
    out = {f"test_{k}": float(real[k].mean() - np.concatenate(
        [f[k].numpy() for f in fake]).mean()) for k in real}
    out["sample_bits_per_dim_median"] = float(np.median(np.concatenate(sample_bpd)))
    if self.heldout_critic is not None and self.heldout_critic_steps > 0:
      x_test = np.concatenate([np.asarray(x) for x in test_batches])
      out["test_heldout_wasserstein"] = self.heldout_wasserstein(x_test, seed)
    return out

  def heldout_wasserstein(self, x_test, seed=1234, batch=64, min_samples=2000):
    """W_hat of a fresh critic trained against the frozen generator: WGAN-GP
    (penalty 10, Adam 1e-4, betas 0.5, 0.9) for `heldout_critic_steps` on one
    half of x_test ([0, 1] images) vs a pool of samples, then eq. 6 on the other
    half vs fresh samples. The same protocol for every model, so MLE, ADV and
    Hybrid runs compare; held-out, so critic overfitting lowers the estimate
    instead of inflating it. The training loop is the independent critic's
    (`evaluation.independent_critic.train_critic`)."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(x_test))
    fit_x = np.asarray(self.to_critic(x_test[perm[:len(x_test) // 2]]))
    eval_x = self.to_critic(x_test[perm[len(x_test) // 2:]])
    pool = lambda n, i: np.concatenate([self.to_critic(self._final_samples(
        min(500, n - s), tf.constant([seed + 1, i * 10**6 + s]))[0]).numpy()
        for s in range(0, n, 500)])
    fit_g, eval_g = pool(max(min_samples, len(fit_x)), 0), pool(max(min_samples, len(eval_x)), 1)
    x_e = tf.constant(pool(self.num_extra_samples, 2))
    critic = self.heldout_critic(self.spec.shape)
    self._build_critic(critic)
    settings = ic.CriticSettings(loss="wgan_gp", steps=self.heldout_critic_steps,
                                 batch_size=batch, learning_rate=1e-4, gp_weight=10.0,
                                 seed=seed)
    ic.train_critic(fit_x, fit_g, settings, critic=critic,
                    score=lambda c: self.critic_fn(c, x_e, training=True))
    f = self.critic_fn(critic, x_e)
    return float(al.wasserstein_estimate(f(eval_x), f(tf.constant(eval_g))))

  @tf.function(reduce_retracing=True)
  def _final_scores(self, x, x_e):
    out = {}
    for key, critic in (("wasserstein", self.critic),
                        ("independent_wasserstein", self.eval_critic)):
      if critic is not None:
        out[key] = tf.reshape(self.critic_fn(critic, x_e)(x), [-1])
    return out

  @tf.function(reduce_retracing=True)
  def _final_samples(self, n, seed):
    # log p of each sample from its own z (no round trip through f).
    return self.generator.distribution.experimental_sample_and_log_prob(n, seed=seed)


@gin.configurable
def rmsprop(learning_rate=5e-5, rho=0.99, epsilon=1e-8):
  """RMSProp as in the WGAN code (PyTorch defaults: rho 0.99, eps 1e-8)."""
  return keras.optimizers.RMSprop(learning_rate, rho=rho, epsilon=epsilon)


@gin.configurable
def flowgan(spec, generator=gin.REQUIRED, critic=critics.dcgan_critic, loss="wgan_gp",
            nll_weight=0.0, adversarial_weight=1.0, n_critic=5,
            critic_schedule=False, heavy_critic_steps=100, warmup_steps=25,
            heavy_every=500, clip_value=0.01, gp_weight=10.0,
            num_extra_samples=64, independent_critic=False, heldout_critic_steps=0,
            g_optimizer=adam, d_optimizer=adam, jit_compile=False):
  """gin builder: a compiled `FlowGAN` for `spec`.

  generator: builder such as `@realnvp` / `@nice`; critic: builder
  `critic(input_shape)` such as `@dcgan_critic`, `@flowgan_mnist_critic`,
  `@flowgan_cifar_critic`, `@fast_critic`; g_optimizer / d_optimizer:
  optimizer builders (`@adam`, `@rmsprop`; scope them, e.g. `@g/adam`);
  independent_critic: False, True (a second critic from the same builder) or
  a critic builder: an independent critic (loss, clipping and d_optimizer
  settings as the critic, one update per batch, never seen by G) whose W_hat
  compares MLE, ADV and Hybrid runs (Danihelka 3.5; it trains on the
  training batches, not on a validation set). heldout_critic_steps: steps of
  the fresh critic (independent critic's builder, else the critic's) behind
  `final_metrics`' test_heldout_wasserstein (0: not computed).
  Other arguments: see `FlowGAN`.
  """
  eval_builder = critic if independent_critic is True else independent_critic
  eval_critic = eval_builder(spec.shape) if eval_builder else None
  model = FlowGAN(
      generator(spec), critic(spec.shape), spec, loss=loss, nll_weight=nll_weight,
      adversarial_weight=adversarial_weight, n_critic=n_critic,
      critic_schedule=critic_schedule, heavy_critic_steps=heavy_critic_steps,
      warmup_steps=warmup_steps, heavy_every=heavy_every, clip_value=clip_value,
      gp_weight=gp_weight, num_extra_samples=num_extra_samples,
      g_optimizer=g_optimizer(), d_optimizer=d_optimizer(), eval_critic=eval_critic,
      e_optimizer=d_optimizer() if eval_critic is not None else None,
      heldout_critic=eval_builder or critic, heldout_critic_steps=heldout_critic_steps)
  model.compile(jit_compile=jit_compile)
  return model
