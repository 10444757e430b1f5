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
the two runs is decided on the device, in the compiled train function, from
two counter variables, `generator_steps` and `round_critic_steps`
(checkpointed with the model, so a resumed run continues the schedule): a
round has n_critic critic updates, or with `critic_schedule` Danihelka's 100
when generator_steps < 25 or a multiple of 500. The switch between the two
sits in the cross-replica context around `strategy.run` (under MirroredStrategy an
optimizer update is a sync point, which may not sit inside control flow in a
replica), so `steps_per_execution` > 1 runs whole schedules in one call.
Per-replica losses are local means / replicas (`replica_mean`), so a
mirrored step equals a single-device step on the global batch; exceptions:
batch norm in a critic and the fast-learning critic, whose embedding averages
each replica's own x_e.

After training, `evaluation.final` reports each critic's W_hat(test, G) and,
with `heldout_critic_steps`, that of a fresh critic trained against the
frozen generator on half of the test set and scored on the other half.
"""

import gin
import keras
import tensorflow as tf
from keras.src.backend.tensorflow.trainer import reduce_per_replica

from tfflowgan import critics
from tfflowgan.objectives import adversarial_losses as al
from tfflowgan.objectives.common import (adam, for_precision, scaled_loss,
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
      for the held-out Wasserstein estimate after training (0: none).
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
    self.g_optimizer = for_precision(g_optimizer or adam(1e-4, beta_1=0.5, beta_2=0.9))
    self.d_optimizer = for_precision(d_optimizer or adam(1e-4, beta_1=0.5, beta_2=0.9))
    self.g_optimizer.build(self.generator.trainable_variables)
    self._build_critic(self.critic, self.d_optimizer)
    if eval_critic is not None:
      self.e_optimizer = for_precision(e_optimizer or adam(1e-4, beta_1=0.5, beta_2=0.9))
      self._build_critic(eval_critic, self.e_optimizer)
    counter = dict(shape=(), dtype="int64", initializer="zeros", trainable=False,
                   aggregation="only_first_replica")
    self.generator_steps = self.add_weight(name="generator_steps", **counter)
    self.round_critic_steps = self.add_weight(name="round_critic_steps", **counter)
    names = ["critic_loss", "wasserstein", "generator_loss", "nll", "bits_per_dim"]
    names += ["gradient_penalty"] if self.use_gp else []
    names += ["independent_wasserstein"] if eval_critic is not None else []
    self.init_metrics(*names)

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

  def critic_updates(self, generator_step):
    """Critic updates in the round before generator step `generator_step`
    (0-based int64 tensor; the WGAN code's `Diters`)."""
    n = tf.constant(self.n_critic, tf.int64)
    if not self.critic_schedule:
      return n
    heavy = tf.logical_or(generator_step < self.warmup_steps,
                          tf.equal(generator_step % self.heavy_every, 0))
    return tf.where(heavy, tf.constant(self.heavy_critic_steps, tf.int64), n)

  def generator_due(self):
    """Whether the next critic update completes the round (a bool tensor)."""
    done = tf.convert_to_tensor(self.round_critic_steps) + 1
    return done >= self.critic_updates(tf.convert_to_tensor(self.generator_steps))

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
      scaled = scaled_loss(optimizer, loss)  # inside the tape
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
      scaled = scaled_loss(self.g_optimizer, loss)
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
    """`steps_per_execution` scheduled batches per call (module doc): for each,
    one switch in the cross-replica context between no batch (the data ended),
    `critic_step` and `train_step`, each a `strategy.run` (a nested
    `tf.function` there fails under MirroredStrategy, so with jit_compile the
    iterator stays outside the XLA-compiled step). A call that finds no data
    raises StopIteration."""
    if self.train_function is not None and not force:
      return self.train_function
    strategy, steps = self.distribute_strategy, self.steps_per_execution

    def run(step_fn, data):
      return reduce_per_replica(strategy.run(step_fn, args=(data,)), strategy, "auto")

    def scheduled(has_batch, batch, logs):
      """One batch (`batch()`, if `has_batch`, else `logs` unchanged)."""
      branch = tf.where(has_batch, tf.where(self.generator_due(), 2, 1), 0)
      return tf.switch_case(branch, [lambda: logs,
                                     lambda: run(self.critic_step, batch()),
                                     lambda: run(self.train_step, batch())])

    def loop_in_graph(iterator):
      def body(done, data, logs):
        logs = scheduled(data.has_value(), data.get_value, logs)
        done += tf.cast(data.has_value(), tf.int32)
        return done, tf.cond(done < steps, iterator.get_next_as_optional, lambda: data), logs
      done, _, logs = tf.while_loop(
          lambda done, data, _: tf.logical_and(done < steps, data.has_value()), body,
          (tf.constant(0), iterator.get_next_as_optional(), self._logs()))
      return done, logs

    compiled = tf.function(lambda data: scheduled(True, lambda: data, self._logs()),
                           jit_compile=True, autograph=False)

    def loop_on_host(iterator):  # XLA: the iterator stays outside the compiled step
      done, logs = 0, None
      for _, data in zip(range(steps), iterator):
        done, logs = done + 1, compiled(data)
      return done, logs

    if self.run_eagerly:
      multi_step = loop_in_graph
    elif self.jit_compile:
      multi_step = loop_on_host
    else:
      multi_step = tf.function(loop_in_graph, reduce_retracing=True, autograph=False)

    def train_function(iterator):
      done, logs = multi_step(iterator)
      if int(done) == 0:
        raise StopIteration
      return logs

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
    self.update_metrics(**out)
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
    return {**update_likelihood_metrics(self.metric_means, log_p, self.spec),
            **self.update_metrics(**values)}

  # For evaluation (`evaluation.final`).
  def critic_scores(self, seed=1234):
    """{'wasserstein': f, 'independent_wasserstein': f_e}: each critic's score
    of data-space x, a conditional critic's x_e fixed from `seed`."""
    x_e = self.to_critic(self.generator.sample(self.num_extra_samples,
                                               seed=tf.constant([int(seed), -1])))
    out = {}
    for key, critic in (("wasserstein", self.critic),
                        ("independent_wasserstein", self.eval_critic)):
      if critic is not None:
        f = self.critic_fn(critic, x_e)
        out[key] = lambda x, f=f: tf.reshape(f(self.to_critic(x)), [-1])
    return out


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
  the test_heldout_wasserstein of `evaluation.final` (0: not computed).
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
