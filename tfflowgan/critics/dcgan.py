"""DCGAN critic (Radford et al. 2016) for 28x28, 32x32 and 8x8 images.

Convolutions 4x4 stride 2 ('same' padding) with leaky ReLU 0.2, doubling the
filters, until the feature map is at most 4x4 (32 -> 16 -> 8 -> 4;
28 -> 14 -> 7 -> 4; 8 -> 4); optional batch or layer normalization after every
convolution but the first; then Dense(1). Maps [B, H, W, C] to scores [B, 1].
"""

from typing import Optional, Sequence

import gin
import keras

from tfflowgan.precision import float32_output


def _norm(kind):
  if kind == "batch":
    return keras.layers.BatchNormalization()
  if kind == "layer":
    return keras.layers.LayerNormalization(axis=[-3, -2, -1])
  raise ValueError(f"norm must be 'batch', 'layer' or None, got {kind!r}")


@gin.configurable
def dcgan_critic(input_shape: Sequence[int], base_filters: int = 64,
                 norm: Optional[str] = None, max_filters: int = 512,
                 name: str = "dcgan_critic"):
  """Keras model [B, H, W, C] -> [B, 1] (see module doc)."""
  inputs = keras.Input(tuple(input_shape))
  h, size, filters, i = inputs, int(input_shape[0]), base_filters, 0
  while size > 4 or i == 0:
    h = keras.layers.Conv2D(filters, 4, strides=2, padding="same")(h)
    if norm is not None and i > 0:
      h = _norm(norm)(h)
    h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
    size, filters, i = (size + 1) // 2, min(2 * filters, max_filters), i + 1
  h = keras.layers.Flatten()(h)
  outputs = float32_output(keras.layers.Dense(1)(h))
  return keras.Model(inputs, outputs, name=name)
