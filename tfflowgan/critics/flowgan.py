"""Flow-GAN's critics (Grover et al. 2018, official code; REFERENCE_SETTINGS.md).

- MNIST: conv5x5/2 (C filters) -> lrelu -> conv5x5/2 (64) -> [norm] -> lrelu ->
  dense(1024) -> [norm] -> lrelu -> dense(1).
- CIFAR-10: 4 x [conv5x5/2, lrelu, layer norm] with 64, 128, 256, 512 filters
  -> dense(1).
Leaky ReLU slope 0.2. Both map [B, H, W, C] to scores [B, 1].
"""

from typing import Optional, Sequence

import gin
import keras
from keras import layers

from tfflowgan.precision import float32_output


def _norm(kind, axis):
  if kind is None:
    return lambda h: h
  if kind == "layer":
    return layers.LayerNormalization(axis=axis)
  if kind == "batch":
    return layers.BatchNormalization()
  raise ValueError(f"norm must be 'batch', 'layer' or None, got {kind!r}")


def _lrelu(h):
  return layers.LeakyReLU(negative_slope=0.2)(h)


@gin.configurable
def flowgan_mnist_critic(input_shape: Sequence[int], filters: int = 64,
                         hidden: int = 1024, norm: Optional[str] = None,
                         name: str = "flowgan_mnist_critic"):
  """Keras model [B, H, W, C] -> [B, 1]; norm None (WGAN-GP), 'layer' or 'batch'."""
  inputs = keras.Input(tuple(input_shape))
  h = _lrelu(layers.Conv2D(int(input_shape[-1]), 5, strides=2, padding="same")(inputs))
  h = layers.Conv2D(filters, 5, strides=2, padding="same")(h)
  h = _lrelu(_norm(norm, [-3, -2, -1])(h))
  h = layers.Dense(hidden)(layers.Flatten()(h))
  h = _lrelu(_norm(norm, -1)(h))
  return keras.Model(inputs, float32_output(layers.Dense(1)(h)), name=name)


@gin.configurable
def flowgan_cifar_critic(input_shape: Sequence[int],
                         filters: Sequence[int] = (64, 128, 256, 512),
                         norm: Optional[str] = "layer",
                         name: str = "flowgan_cifar_critic"):
  """Keras model [B, H, W, C] -> [B, 1]: [conv5x5/2, lrelu, norm] per entry of `filters`."""
  inputs = keras.Input(tuple(input_shape))
  h = inputs
  for f in filters:
    h = _lrelu(layers.Conv2D(int(f), 5, strides=2, padding="same")(h))
    h = _norm(norm, [-3, -2, -1])(h)
  h = layers.Flatten()(h)
  return keras.Model(inputs, float32_output(layers.Dense(1)(h)), name=name)
