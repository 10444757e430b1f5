"""Inverse autoregressive flow posterior (Kingma et al. 2016), Keras 3 layers.

q(z|x) starts as a factored Gaussian z_0 = mu + sigma * eps, then T steps
  [m_t, s_t] = MADE_t(z_{t-1}, h),  sigma_t = sigmoid(s_t),
  z_t = sigma_t * z_{t-1} + (1 - sigma_t) * m_t            (Kingma eq. 11-14)
with h a context vector from the encoder. Each step's Jacobian is triangular,
so log q(z_T|x) = sum_i [log N(eps_i) - log sigma_i - sum_t log sigma_t,i].
The variable order is reversed between steps. TFP's `AutoregressiveNetwork` is
a tf_keras layer (not tracked by a Keras 3 model), hence this own MADE.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfflowgan.generators.flow import prior
from tfflowgan.precision import float32


def made_masks(dim: int, hidden: int):
  """(input->hidden [dim, hidden], hidden->output [hidden, dim]) MADE masks
  (Germain et al. 2015): output i depends on inputs < i only."""
  d_in = np.arange(1, dim + 1)
  d_hid = (np.arange(hidden) % max(dim - 1, 1)) + 1
  m_in = (d_hid[None, :] >= d_in[:, None]).astype(np.float32)
  m_out = (d_in[None, :] > d_hid[:, None]).astype(np.float32)
  return m_in, m_out


class MaskedDense(keras.layers.Layer):
  """Dense layer whose kernel is multiplied by a fixed 0/1 mask."""

  def __init__(self, mask, kernel_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    self.mask = np.asarray(mask, np.float32)
    self.kernel_initializer = kernel_initializer

  def build(self, input_shape):
    self.kernel = self.add_weight(shape=self.mask.shape, name="kernel",
                                  initializer=self.kernel_initializer)
    self.bias = self.add_weight(shape=self.mask.shape[1:], name="bias", initializer="zeros")

  def call(self, x):
    return ops.matmul(x, self.kernel * self.mask) + self.bias


class IAFStep(keras.layers.Layer):
  """One IAF step: MADE(z, h) -> (m, s) with one masked hidden layer (plus
  the unmasked context), gate sigma = sigmoid(s + forget_bias)."""

  def __init__(self, dim: int, hidden: int = 64, forget_bias: float = 1.0, **kwargs):
    super().__init__(**kwargs)
    m_in, m_out = made_masks(dim, hidden)
    self.hidden_z = MaskedDense(m_in)
    self.hidden_h = keras.layers.Dense(hidden, use_bias=False)
    self.out_m = MaskedDense(m_out, kernel_initializer="zeros")
    self.out_s = MaskedDense(m_out, kernel_initializer="zeros")
    self.forget_bias = forget_bias

  def call(self, z, h):
    a = ops.elu(self.hidden_z(z) + self.hidden_h(h))
    m, s = float32(self.out_m(a), self.out_s(a))
    s = s + self.forget_bias
    gate = ops.sigmoid(s)
    return gate * z + (1.0 - gate) * m, -ops.sum(ops.log_sigmoid(s), axis=-1)


class Posterior(keras.layers.Layer):
  """q(z|x) from encoder outputs (mu, log_sigma, h): a factored Gaussian
  (num_steps=0) or an IAF with `num_steps` steps. `sample_and_log_prob(mu,
  log_sigma, h, eps)` returns (z, log q(z|x)) for standard-normal eps."""

  def __init__(self, latent_dim: int, num_steps: int = 0, hidden: int = 64, **kwargs):
    super().__init__(**kwargs)
    self.latent_dim = latent_dim
    self.steps = [IAFStep(latent_dim, hidden) for _ in range(num_steps)]

  @property
  def is_gaussian(self):
    return not self.steps

  def sample_and_log_prob(self, mu, log_sigma, h, eps):
    z = mu + tf.exp(log_sigma) * eps
    log_q = prior("normal", self.latent_dim).log_prob(eps) - tf.reduce_sum(log_sigma, -1)
    for i, step in enumerate(self.steps):
      if i:
        z = tf.reverse(z, axis=[-1])
      z, neg_log_det = step(z, h)
      log_q += neg_log_det
    return z, log_q

  def call(self, mu, log_sigma, h, eps):
    return self.sample_and_log_prob(mu, log_sigma, h, eps)
