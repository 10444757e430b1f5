"""Maximum-likelihood training of a flow generator (Flow-GAN's MLE; Danihelka 3)."""

import gin
import keras
import tensorflow as tf

from tfflowgan.objectives.base import GenerativeModel
from tfflowgan.objectives.common import (adam, for_precision, scaled_loss,
                                        update_likelihood_metrics)


class FlowModel(GenerativeModel):
  """What every model of a flow generator shares: its exact density, samples,
  and the invertible generator as `flow`."""

  likelihood_kind = "exact"

  @property
  def flow(self):
    return self.generator

  def log_prob(self, x):
    """Exact log-density of x in [0, 1]^D (nats)."""
    return self.generator.log_prob(x)

  def sample(self, n, seed=None):
    return tf.clip_by_value(self.generator.sample(n, seed=seed), 0.0, 1.0)

  def jacobian_map(self):
    gen = self.generator
    return gen.decode, gen.sample_latent, "decode(z)"


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
    self.g_optimizer = for_precision(optimizer or adam())
    self.g_optimizer.build(self.generator.trainable_variables)
    self.init_metrics("nll", "bits_per_dim")

  def _update(self, log_p):
    return update_likelihood_metrics(self.metric_means, log_p, self.spec)

  def train_step(self, x):
    with tf.GradientTape() as tape:
      log_p = self.generator.log_prob(x)
      loss = scaled_loss(self.g_optimizer, -log_p)
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
