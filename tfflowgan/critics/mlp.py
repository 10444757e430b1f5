"""MLP critic (discriminator) for 2D points and small flat data.

Maps a batch [B, *shape] to scores [B, 1] (flattened first). Used as the
energy D(x) of the one-way flow objective (unnormalized log-density D / w) and
usable as a WGAN critic.
"""

from typing import Optional, Sequence

import gin
import keras

from tfflowgan.precision import float32_output


@gin.configurable
def mlp_critic(input_shape: Sequence[int], hidden: Sequence[int] = (128, 128),
               activation: str = "leaky_relu", norm: Optional[str] = None,
               input_scale: float = 1.0, name: str = "mlp_critic"):
  """Keras model: Flatten -> [Dense(h) -> optional norm -> activation] x len(hidden) -> Dense(1).

  norm: None or 'layer' (per-example, so the score of one example never
  depends on the rest of the batch).
  input_scale: a fixed factor on the input (e.g. 1/4 for the grid in
  [-4, 4]^2): with zero-initialized biases a ReLU MLP's kinks start at the
  origin, and features at |x| >> 1 otherwise take many steps to form.
  """
  inputs = keras.Input(tuple(input_shape))
  h = keras.layers.Flatten()(inputs)
  if input_scale != 1.0:
    h = keras.layers.Rescaling(float(input_scale))(h)
  for units in hidden:
    h = keras.layers.Dense(units)(h)
    if norm == "layer":
      h = keras.layers.LayerNormalization()(h)
    elif norm is not None:
      raise ValueError(f"norm must be None or 'layer', got {norm!r}")
    h = keras.layers.Activation(activation)(h)
  outputs = float32_output(keras.layers.Dense(1)(h))
  return keras.Model(inputs, outputs, name=name)
