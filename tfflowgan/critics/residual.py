"""Residual discriminator ("rd" of Lucas et al. 2019, sec. 5.2): SNGAN's
ResNet discriminator (Miyato et al. 2018) without spectral normalization.

Blocks [relu, conv3x3, relu, conv3x3] + shortcut (conv1x1), with 2x2 average
pooling in the downsampling blocks (the first block has no leading relu);
downsample until the map is at most 4x4, then `extra_blocks` blocks at that
size, relu, global sum pooling and Dense(1). [B, H, W, C] -> [B, 1] logits.
"""

from typing import Sequence

import gin
import keras
from keras import layers, ops

from tfflowgan.precision import float32_output


class _Block(layers.Layer):

  def __init__(self, filters, down, first=False, **kwargs):
    super().__init__(**kwargs)
    self.c1 = layers.Conv2D(filters, 3, padding="same")
    self.c2 = layers.Conv2D(filters, 3, padding="same")
    self.skip = layers.Conv2D(filters, 1)
    self.down, self.first = down, first
    self.pool = layers.AveragePooling2D(2)

  def call(self, x):
    h = x if self.first else ops.relu(x)
    h = self.c2(ops.relu(self.c1(h)))
    s = self.skip(x)
    if self.down:
      h, s = self.pool(h), self.pool(s)
    return h + s


@gin.configurable
def residual_critic(input_shape: Sequence[int], filters: int = 64, extra_blocks: int = 2,
                    name: str = "residual_critic"):
  """Keras model [B, H, W, C] -> [B, 1] (see module doc)."""
  inputs = keras.Input(tuple(input_shape))
  h, size, first = inputs, int(input_shape[0]), True
  while size > 4 and size % 2 == 0:
    h, size, first = _Block(filters, True, first)(h), size // 2, False
  for _ in range(extra_blocks):
    h, first = _Block(filters, False, first)(h), False
  h = ops.sum(ops.relu(h), axis=(1, 2))
  return keras.Model(inputs, float32_output(layers.Dense(1)(h)), name=name)
