"""VAE networks and the invertible feature map f_psi of Adaptive Density
Estimation (Lucas et al. 2019, sec. 4), as Keras 3 layers.

- `ConvEncoder`: x [B, H, W, C] in [0, 1] -> (mu, log_sigma, h) of q_phi(z|x).
- `ConvDecoder`: z -> mean mu_theta(z) [B, H, W, C] of the factored Gaussian
  p_theta(f|z) in feature space, with a learned log-scale: 'isotropic' (one
  scalar sigma shared by every pixel, the paper's "trainable isotropic
  variance", sec. 5), 'per_dim' (one per pixel) or 'conditional' on z. A DCGAN/SNGAN-style non-residual generator
  (transposed convolutions from a 4x4 map; `width` doubles for "wg").
- `FeatureMap`: f_psi, a small RealNVP (library bijectors) whose flat output
  is permuted back to image layout, so that the decoder's pixel (i, j) is the
  feature slot that pixel (i, j) was routed to by squeeze/factor-out.
  Paper: "1 scale, 3 residual blocks, 2 layers per block" -> `num_scales=1`,
  `ResNetCouplingNet(num_blocks=3)` (each block is relu-conv-relu-conv + skip).
"""

import gin
import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tfflowgan.bijectors import (Logit, MultiScaleRealNVP, ResNetCouplingNet,
                                 coupling_specs, multiscale_plan)
from tfflowgan.precision import float32


def _num_halvings(size: int, smallest: int = 4) -> int:
  n = 0
  while size > smallest and size % 2 == 0:
    size, n = size // 2, n + 1
  return n


class ConvEncoder(keras.layers.Layer):
  """conv3x3 -> [conv4x4 stride 2, doubling filters] to <= 4x4 -> dense ->
  (mu, log_sigma [B, latent], h [B, context_dim])."""

  def __init__(self, latent_dim: int, filters: int = 32, hidden: int = 256,
               context_dim: int = 0, **kwargs):
    super().__init__(**kwargs)
    self.latent_dim, self.context_dim = latent_dim, context_dim
    self.filters, self.hidden = filters, hidden

  def build(self, input_shape):
    conv = lambda f, k, s: layers.Conv2D(f, k, strides=s, padding="same")
    self.convs = [conv(self.filters, 3, 1)]
    f = self.filters
    for _ in range(max(_num_halvings(int(input_shape[1])), 1)):
      f *= 2
      self.convs.append(conv(f, 4, 2))
    self.dense = layers.Dense(self.hidden)
    self.out = layers.Dense(2 * self.latent_dim + self.context_dim)

  def call(self, x):
    h = 2.0 * x - 1.0
    for conv in self.convs:
      h = ops.leaky_relu(conv(h), 0.2)
    h = ops.leaky_relu(self.dense(ops.reshape(h, (ops.shape(h)[0], -1))), 0.2)
    out = float32(self.out(h))
    d = self.latent_dim
    return out[:, :d], out[:, d:2 * d], out[:, 2 * d:]


class ConvDecoder(keras.layers.Layer):
  """z -> dense -> s x s x (width * 2^n) -> n x [convT4x4 stride 2, halving]
  -> conv3x3 to C: the mean in feature space, and its log-scale."""

  def __init__(self, shape, width: int = 32, variance: str = "per_dim",
               init_log_scale: float = -1.0, **kwargs):
    super().__init__(**kwargs)
    if variance not in ("isotropic", "per_dim", "conditional"):
      raise ValueError(f"variance must be 'isotropic', 'per_dim' or 'conditional', "
                       f"got {variance!r}")
    self.out_shape = tuple(int(s) for s in shape)
    self.variance, self.init_log_scale = variance, init_log_scale
    h, w, c = self.out_shape
    self.n_up = _num_halvings(h)
    self.start = (h >> self.n_up, w >> self.n_up)
    f = width * 2 ** self.n_up
    self.dense = layers.Dense(self.start[0] * self.start[1] * f)
    self.ups = [layers.Conv2DTranspose(width * 2 ** (self.n_up - i - 1), 4, strides=2,
                                       padding="same") for i in range(self.n_up)]
    out_c = 2 * c if variance == "conditional" else c
    self.out = layers.Conv2D(out_c, 3, padding="same")

  def build(self, input_shape):
    scale_shape = {"isotropic": (1,), "per_dim": self.out_shape, "conditional": (1,)}
    self.log_scale = self.add_weight(
        shape=scale_shape[self.variance], name="log_scale",
        initializer=keras.initializers.Constant(self.init_log_scale),
        autocast=False)  # float32 under mixed precision

  def call(self, z):
    h = ops.relu(self.dense(z))
    h = ops.reshape(h, (ops.shape(z)[0], *self.start, -1))
    for up in self.ups:
      h = ops.relu(up(h))
    out = float32(self.out(h))
    c = self.out_shape[-1]
    if self.variance == "conditional":
      return out[..., :c], self.log_scale + out[..., c:]
    return out, self.log_scale + ops.zeros_like(out)


class FeatureMap(keras.layers.Layer):
  """f_psi: x [B, H, W, C] -> (f(x) [B, H, W, C], log|det df/dx| [B]), and
  `inverse(f)`. Optional logit preprocessing first (its log-det counted)."""

  def __init__(self, shape, num_scales: int = 1, num_blocks: int = 3, hidden: int = 32,
               couplings_per_stage: int = 3, final_couplings: int = 0,
               logit_alpha=None, **kwargs):
    super().__init__(**kwargs)
    self.data_shape = tuple(int(s) for s in shape)
    self.logit_alpha = logit_alpha
    self.plan = multiscale_plan(self.data_shape, num_scales, couplings_per_stage,
                                final_couplings)
    self.nets = [ResNetCouplingNet(s.shape[-1], hidden, num_blocks)
                 for s in coupling_specs(self.plan)]
    # Where each flat output slot came from: run the plan with identity couplings.
    ident = [lambda x: (tf.zeros_like(x), tf.zeros_like(x))] * len(self.nets)
    index = tf.reshape(tf.range(np.prod(self.data_shape), dtype=tf.float32),
                       (1, *self.data_shape))
    perm = MultiScaleRealNVP(self.data_shape, self.plan, ident).forward(index)[0]
    self.perm = perm.numpy().astype(np.int32)    # flat slot j <- pixel perm[j]
    self.inv_perm = np.argsort(self.perm).astype(np.int32)

  def build(self, input_shape=None):
    self.forward_and_log_det(tf.fill([1, *self.data_shape], 0.5))
    self.built = True

  def _flow(self):
    return MultiScaleRealNVP(self.data_shape, self.plan, self.nets)

  def forward_and_log_det(self, x):
    log_det = tf.zeros(tf.shape(x)[:1])
    if self.logit_alpha is not None:
      logit = Logit(self.logit_alpha, event_ndims=3)
      log_det += logit.forward_log_det_jacobian(x, event_ndims=3)
      x = logit.forward(x)
    z, flow_log_det = self._flow().forward_and_log_det(x)
    f = tf.reshape(tf.gather(z, self.inv_perm, axis=-1), tf.shape(x))
    return f, log_det + flow_log_det

  def inverse(self, f):
    z = tf.gather(tf.reshape(f, [tf.shape(f)[0], -1]), self.perm, axis=-1)
    x = self._flow().inverse(tf.identity(z))
    if self.logit_alpha is not None:
      x = Logit(self.logit_alpha, event_ndims=3).inverse(x)
    return x

  def call(self, x):
    return self.forward_and_log_det(x)


@gin.configurable
def realnvp_feature_map(shape, num_scales=1, num_blocks=3, hidden=32,
                        couplings_per_stage=3, final_couplings=0, logit_alpha=None):
  """gin builder for f_psi (paper: 1 scale, 3 residual blocks; "s2": 2 scales)."""
  return FeatureMap(shape, num_scales, num_blocks, hidden, couplings_per_stage,
                    final_couplings, logit_alpha)


@gin.configurable
def vae_encoder(spec, latent_dim, context_dim=0, filters=32, hidden=256):
  return ConvEncoder(latent_dim, filters, hidden, context_dim)


@gin.configurable
def vae_decoder(spec, width=32, wide=False, variance="per_dim", init_log_scale=-1.0):
  """`wide=True` ("wg") doubles every layer's channels."""
  return ConvDecoder(spec.shape, width * (2 if wide else 1), variance, init_log_scale)
