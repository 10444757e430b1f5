"""MLP critic (discriminator) for 2D points and small flat data.

Maps a batch [B, *shape] to scores [B, 1] (flattened first). Used as the
energy D(x) of the one-way flow objective (unnormalized log-density D / w) and
usable as a WGAN critic.
"""

import math
from typing import Optional, Sequence

import gin
import keras


class FourierFeatures(keras.layers.Layer):
  """x -> [sin(2 pi x B), cos(2 pi x B)], B [d, m] fixed, entries N(0, scale^2)
  (random Fourier features, Tancik et al. 2020). Lets an MLP on
  low-dimensional inputs form sharp features (e.g. 25 modes of std 0.05) in
  few steps; a plain ReLU MLP learns such high frequencies slowly."""

  def __init__(self, num_features: int, scale: float = 1.0, seed: int = 0, **kwargs):
    super().__init__(**kwargs)
    self.num_features, self.scale, self.seed = int(num_features), float(scale), int(seed)

  def build(self, input_shape):
    self.kernel = self.add_weight(
        name="kernel", shape=(int(input_shape[-1]), self.num_features), trainable=False,
        initializer=keras.initializers.RandomNormal(stddev=self.scale, seed=self.seed))

  def call(self, x):
    h = 2.0 * math.pi * keras.ops.matmul(x, self.kernel)
    return keras.ops.concatenate([keras.ops.sin(h), keras.ops.cos(h)], axis=-1)

  def get_config(self):
    return {**super().get_config(), "num_features": self.num_features, "scale": self.scale,
            "seed": self.seed}


class GaussianEnvelope(keras.layers.Layer):
  """x -> -||x||^2 / (2 scale^2), shape [B, 1]: a fixed log N(0, scale^2 I) term
  (up to a constant) added to a critic's output so that exp(D) is integrable
  whatever the bounded part (e.g. on Fourier features) does far from the data."""

  def __init__(self, scale: float = 1.0, **kwargs):
    super().__init__(**kwargs)
    self.scale = float(scale)

  def call(self, x):
    return -0.5 * keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True) / self.scale ** 2

  def get_config(self):
    return {**super().get_config(), "scale": self.scale}


@gin.configurable
def mlp_critic(input_shape: Sequence[int], hidden: Sequence[int] = (128, 128),
               activation: str = "leaky_relu", norm: Optional[str] = None,
               input_scale: float = 1.0, fourier_features: int = 0,
               fourier_scale: float = 1.0, envelope_scale: Optional[float] = None,
               name: str = "mlp_critic"):
  """Keras model: Flatten -> [Dense(h) -> optional norm -> activation] x len(hidden) -> Dense(1).

  norm: None or 'layer' (per-example, so the score of one example never
  depends on the rest of the batch).
  input_scale: a fixed factor on the input (e.g. 1/4 for the grid in
  [-4, 4]^2): with zero-initialized biases a ReLU MLP's kinks start at the
  origin, and features at |x| >> 1 otherwise take many steps to form.
  fourier_features, fourier_scale: m > 0 puts `FourierFeatures(m, scale)`
  (after input_scale) before the Dense layers; 0 = off.
  envelope_scale: s adds `GaussianEnvelope(s)` of the (scaled) input to the
  output, D = MLP - ||x||^2 / (2 s^2): with Fourier features the MLP part is
  bounded, and without the envelope exp(D / w) would not be normalizable.
  """
  inputs = keras.Input(tuple(input_shape))
  h = keras.layers.Flatten()(inputs)
  if input_scale != 1.0:
    h = keras.layers.Rescaling(float(input_scale))(h)
  scaled = h
  if fourier_features:
    h = FourierFeatures(fourier_features, fourier_scale)(h)
  for units in hidden:
    h = keras.layers.Dense(units)(h)
    if norm == "layer":
      h = keras.layers.LayerNormalization()(h)
    elif norm is not None:
      raise ValueError(f"norm must be None or 'layer', got {norm!r}")
    h = keras.layers.Activation(activation)(h)
  outputs = keras.layers.Dense(1)(h)
  if envelope_scale:
    outputs = keras.layers.Add()([outputs, GaussianEnvelope(envelope_scale)(scaled)])
  return keras.Model(inputs, outputs, name=name)
