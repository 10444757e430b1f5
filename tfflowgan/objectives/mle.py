"""Maximum-likelihood training of a flow generator (Flow-GAN's MLE; Danihelka 3)."""

import gin
import keras
import tensorflow as tf

from tfflowgan.objectives.common import (adam, mean_metrics, replica_mean,
                                         update_likelihood_metrics)


class FlowModel(keras.Model):
  """What every model of a flow generator shares: its exact density as the
  model's output, samples, and epoch means kept in `self.metric_means`."""

  @property
  def metrics(self):
    return list(self.metric_means.values())

  def call(self, x):
    return self.generator.log_prob(x)

  def log_prob(self, x):
    """Exact log-density of x in [0, 1]^D (nats)."""
    return self.generator.log_prob(x)

  def sample_images(self, n, seed=None):
    return tf.clip_by_value(self.generator.sample(n, seed=seed), 0.0, 1.0)


class FlowMLE(FlowModel):
  """Minimizes NLL = -log p(x) of dequantized data under the flow (eq. 1).

  Metrics `nll` (nats per example) and `bits_per_dim` are in the discrete-data
  space: log p(k + u) = log p(y) - D log L (Danihelka eq. 5).
  """

  def __init__(self, generator, spec, optimizer=None, **kwargs):
    super().__init__(**kwargs)
    self.generator = generator
    self.spec = spec
    self.generator.build()
    self.g_optimizer = optimizer or adam()
    self.g_optimizer.build(self.generator.trainable_variables)
    self.metric_means = mean_metrics("nll", "bits_per_dim")

  def _update(self, log_p):
    update_likelihood_metrics(self.metric_means, log_p, self.spec)
    return {k: m.result() for k, m in self.metric_means.items()}

  def train_step(self, x):
    with tf.GradientTape() as tape:
      log_p = self.generator.log_prob(x)
      loss = replica_mean(-log_p)
    variables = self.generator.trainable_variables
    grads = tape.gradient(loss, variables)
    self.g_optimizer.apply_gradients(zip(grads, variables))
    return self._update(log_p)

  def test_step(self, x):
    return self._update(self.generator.log_prob(x))


@gin.configurable
def flow_mle(spec, generator=gin.REQUIRED, optimizer=adam, jit_compile=False):
  """gin builder: a compiled `FlowMLE` for `spec`; `generator` is a generator
  builder such as `@realnvp` or `@nice`, `optimizer` an optimizer builder."""
  model = FlowMLE(generator(spec), spec, optimizer())
  model.compile(jit_compile=jit_compile)
  return model
