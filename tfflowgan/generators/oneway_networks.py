"""Networks g_n for the one-way flow: R^n -> data, no activation narrower
than n (Ben-Dov et al. Sec. 2.3; App. C.3). Each builder takes the data shape
and returns a Keras model [B, n] -> [B, *data_shape], n = prod(data_shape)."""

import math
from typing import Optional, Sequence

import gin
import keras
import numpy as np

from tfflowgan.generators.oneway import check_min_width
from tfflowgan.precision import float32_output


@gin.configurable
def mlp_network(data_shape: Sequence[int], hidden: Sequence[int] = (128, 128),
                activation: str = "leaky_relu", output_scale: float = 1.0,
                name: str = "g_n_mlp"):
  """Dense layers of `hidden` units (each >= n), linear output (App. C.3.1).

  output_scale: a fixed factor on the output, the data's scale (e.g. 4 for the
  grid in [-4, 4]^2), so the weights work at unit scale; its n log(scale)
  enters the log-det through the Jacobian like any other layer.
  """
  n = int(np.prod(data_shape))
  inputs = keras.Input((n,))
  h = inputs
  for units in hidden:
    h = keras.layers.Dense(units, activation=activation)(h)
  outputs = float32_output(keras.layers.Dense(n)(h))
  if output_scale != 1.0:
    outputs = keras.layers.Rescaling(float(output_scale), dtype="float32")(outputs)
  if len(data_shape) != 1:
    outputs = keras.layers.Reshape(tuple(data_shape), dtype="float32")(outputs)
  net = keras.Model(inputs, outputs, name=name)
  check_min_width(net, n)
  return net


def _num_upsamplings(size: int) -> int:
  k = 0
  while size % (2 ** (k + 1)) == 0 and size // 2 ** (k + 1) >= 4:
    k += 1
  return k


@gin.configurable
def dcgan_network(data_shape: Sequence[int], base_filters: int = 64,
                  norm: Optional[str] = "batch", name: str = "g_n_dcgan"):
  """DCGAN (Radford et al.; App. C.3.2): dense to s x s x C, then transposed
  convolutions 4x4 stride 2 (norm + ReLU) doubling the size, sigmoid output in
  [0, 1], so log P_G is a density on [0, 1]^n with the sigmoid's Jacobian in J.
  32x32 -> s = 4 (3 upsamplings), 28x28 -> 7 (2), 8x8 -> 4 (1)."""
  h_out, _, channels = data_shape
  n = int(np.prod(data_shape))
  k = _num_upsamplings(h_out)
  size = h_out // 2 ** k
  filters = base_filters * 2 ** max(k - 1, 0)
  filters = max(filters, math.ceil(n / size ** 2))  # keep >= n units
  inputs = keras.Input((n,))
  h = keras.layers.Dense(size * size * filters, use_bias=norm is None)(inputs)
  h = keras.layers.Reshape((size, size, filters))(h)
  for i in range(k):
    h = _norm(norm)(h)
    h = keras.layers.ReLU()(h)
    out = channels if i == k - 1 else max(filters // 2 ** (i + 1), 1)
    h = keras.layers.Conv2DTranspose(out, 4, strides=2, padding="same")(h)
  outputs = keras.layers.Activation("sigmoid", dtype="float32")(h)  # float32 images
  net = keras.Model(inputs, outputs, name=name)
  check_min_width(net, n)
  return net


def _norm(kind):
  if kind == "batch":
    return keras.layers.BatchNormalization()
  if kind == "layer":
    return keras.layers.LayerNormalization()
  if kind is None:
    return keras.layers.Identity()
  raise ValueError(f"norm must be 'batch', 'layer' or None, got {kind!r}")
