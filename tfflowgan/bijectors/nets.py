"""Coupling networks as Keras 3 layers (owned by the model that holds the flow)."""

import keras
from keras import layers, ops

from tfflowgan.precision import float32


class ResNetCouplingNet(keras.layers.Layer):
  """RealNVP's residual coupling network: masked x [B,H,W,C] -> (shift, log_scale).

  conv3x3 -> `num_blocks` x [relu, conv3x3, relu, conv3x3, + skip] -> relu ->
  conv3x3 to 2C channels. log_scale = scale * tanh(raw) with a learnable
  per-channel scale (initialised to 1) and a zero-initialised output conv, so
  every coupling starts as the identity (Flow-GAN initialises its scalar to 0
  with a random output conv instead; with the output conv at zero the
  scale must start non-zero for gradients to flow). No batch norm: train and
  test conditions are the same (Danihelka et al. 2.1).
  """

  def __init__(self, channels: int, hidden: int = 64, num_blocks: int = 4, **kwargs):
    super().__init__(**kwargs)
    conv = lambda c, **kw: layers.Conv2D(c, 3, padding="same", **kw)
    self.conv_in = conv(hidden)
    self.blocks = [(conv(hidden), conv(hidden)) for _ in range(num_blocks)]
    self.conv_out = conv(2 * channels, kernel_initializer="zeros")
    self.channels = channels

  def build(self, input_shape):
    self.scale = self.add_weight(shape=(self.channels,), initializer="ones", name="scale",
                                 autocast=False)  # float32 under mixed precision

  def call(self, x):
    h = self.conv_in(x)
    for c1, c2 in self.blocks:
      h = h + c2(ops.relu(c1(ops.relu(h))))
    out = float32(self.conv_out(ops.relu(h)))
    shift, raw = out[..., :self.channels], out[..., self.channels:]
    return shift, self.scale * ops.tanh(raw)


class MLPShiftNet(keras.layers.Layer):
  """NICE's coupling function m: [B, d_in] -> [B, d_out], `num_layers` hidden
  ReLU layers of `hidden` units and a linear output (zero-initialised, so the
  coupling starts as the identity)."""

  def __init__(self, out_dim: int, hidden: int = 1000, num_layers: int = 5, **kwargs):
    super().__init__(**kwargs)
    self.hidden = [layers.Dense(hidden, activation="relu") for _ in range(num_layers)]
    self.out = layers.Dense(out_dim, kernel_initializer="zeros")

  def call(self, x):
    for layer in self.hidden:
      x = layer(x)
    return float32(self.out(x))
