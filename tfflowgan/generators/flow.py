"""Flow generators: a base density pushed through an invertible bijector chain.

`FlowGenerator` is a Keras 3 layer that owns the coupling networks and exposes
the TFP `TransformedDistribution` p(x) = p_Z(f(x)) |det df/dx| (Danihelka et
al. eq. 1), with x in [0, 1]^D (dequantized, scaled data). `sample(n)` runs
f^-1 on prior samples, `log_prob(x)` is exact, `encode(x)` gives z = f(x).
"""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfflowgan.bijectors import Logit

tfb, tfd = tfp.bijectors, tfp.distributions


def prior(name: str, num_dims: int):
  """Factorised base density over z in R^D: 'normal' or 'logistic' (NICE)."""
  if name == "normal":
    base = tfd.Normal(0.0, 1.0)
  elif name == "logistic":
    base = tfd.Logistic(0.0, 1.0)
  else:
    raise ValueError(f"prior must be 'normal' or 'logistic', got {name!r}")
  return tfd.Sample(base, sample_shape=[num_dims])


class FlowGenerator(keras.layers.Layer):
  """Base class: subclasses create their networks and implement `make_flow()`,
  the normalizing bijector from (logit-space or raw) x to flat z.

  Args:
    shape: data shape [H, W, C].
    logit_alpha: apply the logit preprocessing bijector with this alpha first
      (its log-det counted), or None to model [0, 1]^D directly.
    prior_name: 'normal' or 'logistic'.
  """

  def __init__(self, shape, logit_alpha=0.05, prior_name="normal", **kwargs):
    super().__init__(**kwargs)
    self.data_shape = tuple(int(s) for s in shape)
    self.num_dims = int(tf.reduce_prod(self.data_shape))
    self.logit_alpha = logit_alpha
    self.prior_name = prior_name

  def make_flow(self) -> tfb.Bijector:
    raise NotImplementedError

  @property
  def bijector(self) -> tfb.Bijector:
    """Normalizing map f: x [B, *shape] -> z [B, D], logit first if set."""
    flow = self.make_flow()
    if self.logit_alpha is None:
      return flow
    return tfb.Chain([flow, Logit(self.logit_alpha, event_ndims=len(self.data_shape))])

  @property
  def distribution(self) -> tfd.Distribution:
    """p(x) as a `TransformedDistribution` of the prior through f^-1."""
    return tfd.TransformedDistribution(prior(self.prior_name, self.num_dims),
                                       tfb.Invert(self.bijector))

  def build(self, input_shape=None):
    # Create every network weight with one pass on a dummy batch.
    self.log_prob(tf.fill([1, *self.data_shape], 0.5))
    self.built = True

  def call(self, x):
    return self.log_prob(x)

  def log_prob(self, x):
    """Exact log-density of x on [0, 1]^D, one value per example.

    Equal to `self.distribution.log_prob(x)` (tested), but one pass: each
    coupling network runs once for both z and the log-det.
    """
    ndims = len(self.data_shape)
    log_det = 0.0
    if self.logit_alpha is not None:
      logit = Logit(self.logit_alpha, event_ndims=ndims)
      log_det = logit.forward_log_det_jacobian(x, event_ndims=ndims)
      x = logit.forward(x)
    flow = self.make_flow()
    if hasattr(flow, "forward_and_log_det"):
      z, flow_log_det = flow.forward_and_log_det(x)
    else:
      z, flow_log_det = flow.forward(x), flow.forward_log_det_jacobian(x, event_ndims=ndims)
    return prior(self.prior_name, self.num_dims).log_prob(z) + log_det + flow_log_det

  def encode(self, x):
    """Latent inference z = f(x), flat [B, D]."""
    return self.bijector.forward(x)

  def decode(self, z):
    """x = f^-1(z) for flat z [B, D]."""
    return self.bijector.inverse(z)

  def sample_latent(self, n, seed=None):
    return prior(self.prior_name, self.num_dims).sample(n, seed=seed)

  def sample(self, n, seed=None):
    """n samples x = f^-1(z), z from the prior."""
    return self.decode(self.sample_latent(n, seed))
