"""One-way flow generator G = g_n o g_u (Ben-Dov et al., Sec. 2.3-2.4).

g_u concatenates the latent z ~ N(0, I_d) with independent noise r ~ N(0, I_{n-d})
(eq. 7: log P(g_u(z)) = log P(z) + log P(r)); g_n: R^n -> R^n is any Keras
network whose activations never have fewer than n units (it need not be
invertible; `oneway_networks`). At x = g_n(u), u = (z, r)
(eq. 6, 10):

  log P_G(x) = log N(u; 0, I_n) - log|det J|,   J = d g_n(u) / d u^T  (n x n),

with log|det J| exact or estimated by Jv (`logdet`).
"""

from typing import Optional, Sequence

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan.generators.logdet import (log_abs_det_exact, log_abs_det_jvp,
                                         standard_normal_log_prob)

LOGDET_MODES = ("exact", "jvp")


def check_min_width(network, n: int):
  """Raises if an activation of `network` has fewer than n units per example."""
  for layer in network.layers:
    outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
    units = sum(int(np.prod(out.shape[1:])) for out in outputs)
    if units < n:
      raise ValueError(f"one-way flow: layer {layer.name} has {units} < n = {n} units")


class OneWayFlow(keras.layers.Layer):
  """G = g_n o g_u with samples and their log-density (eq. 10).

  Args:
    network: Keras model g_n mapping [B, n] to [B, *data_shape] (n = prod
      data_shape), no activation narrower than n (`check_min_width`).
    data_shape: shape of one generated example.
    latent_dim: d <= n; the other n - d inputs are the noise r.
    logdet: 'exact' (`log_abs_det_exact`) or 'jvp' (`log_abs_det_jvp`).
    logdet_samples: K directions v for the 'jvp' estimate (1 = one sample).
  """

  def __init__(self, network, data_shape: Sequence[int], latent_dim: int,
               logdet: str = "exact", logdet_samples: int = 1, **kwargs):
    super().__init__(**kwargs)
    if logdet not in LOGDET_MODES:
      raise ValueError(f"logdet must be one of {LOGDET_MODES}, got {logdet!r}")
    self.network = network
    self.data_shape = tuple(data_shape)
    self.num_dims = int(np.prod(self.data_shape))
    if not 0 < latent_dim <= self.num_dims:
      raise ValueError(f"latent_dim must be in 1..{self.num_dims}, got {latent_dim}")
    self.latent_dim = int(latent_dim)
    self.logdet_mode = logdet
    self.logdet_samples = int(logdet_samples)

  def build(self, input_shape=None):
    self.network.build((None, self.num_dims))
    self.built = True

  @property
  def noise_dim(self) -> int:
    return self.num_dims - self.latent_dim

  def sample_inputs(self, batch, z=None, seed=None):
    """u = g_u(z) = (z, r) [B, n]; z ~ N(0, I_d) unless given, r ~ N(0, I_{n-d}).

    seed: optional stateless seed (shape [2]) for reproducible draws.
    """
    if seed is not None:
      u = tf.random.stateless_normal([batch, self.num_dims], seed=seed)
      return u if z is None else tf.concat([z, u[:, self.latent_dim:]], axis=-1)
    if z is None:
      z = tf.random.normal([batch, self.latent_dim])
    r = tf.random.normal([tf.shape(z)[0], self.noise_dim])
    return tf.concat([z, r], axis=-1)

  def call(self, u, training=False):
    return self.network(u, training=training)

  def forward_with_logdet(self, u, training=False, mode: Optional[str] = None,
                          logdet_samples: Optional[int] = None):
    """(x = g_n(u), log|det J| or its estimate); mode and K default to the layer's."""
    mode = mode or self.logdet_mode
    if mode == "exact":
      return log_abs_det_exact(self.network, u, training)
    k = logdet_samples or self.logdet_samples
    return log_abs_det_jvp(self.network, u, k, training)

  def sample_with_log_prob(self, batch, training=False, z=None, mode=None,
                           logdet_samples=None):
    """(x [B, *data_shape], log P_G(x) [B]) = eq. 10 at fresh samples."""
    u = self.sample_inputs(batch, z)
    x, logdet = self.forward_with_logdet(u, training, mode, logdet_samples)
    return x, standard_normal_log_prob(u) - logdet

  def sample(self, batch, training=False, z=None, seed=None):
    return self(self.sample_inputs(batch, z, seed), training=training)


def sample_chunked(generator, n: int, seed=None, chunk_size: int = 1000) -> np.ndarray:
  """n samples of `generator.sample` as numpy, drawn chunk_size at a time;
  seed: optional stateless seed [2] (chunk i uses seed + [0, i])."""
  parts = []
  for i in range(0, n, chunk_size):
    s = None if seed is None else tf.cast(seed, tf.int32) + tf.constant([0, i])
    parts.append(generator.sample(min(chunk_size, n - i), seed=s).numpy())
  return np.concatenate(parts, axis=0)


@gin.configurable
def oneway_generator(spec, network=gin.REQUIRED, latent_dim: Optional[int] = None,
                     logdet: str = "exact", logdet_samples: int = 1):
  """gin builder: a built `OneWayFlow` for a `DataSpec`.

  network: a g_n builder `data_shape -> Keras model` (`@mlp_network`,
    `@dcgan_network`).
  latent_dim: d (default n, i.e. no noise r); the paper uses 100 for images.
  """
  gen = OneWayFlow(network(spec.shape), spec.shape, latent_dim or spec.num_dims,
                   logdet, logdet_samples)
  gen.build()
  return gen
