"""A piecewise-affine g_n for flat data: K affine experts on fixed Voronoi
cells of the latent cube,

  g_n(u) = sum_k p_k(v) (c_k + A_k (v - m_k)),   v = 2 Phi(u) - 1 in (-1, 1)^n,

p a fixed gate over K centres m_k (uniform on the cube, drawn once from a
seed, saved, never trained); only c_k and A_k train. This network is not in
the paper (its 2D experiments use an MLP).

Density: eq. 10 gives a point x = g_n(u) only its own expert's density,
N(u) / |det J(u)|. Where experts overlap (a fold of g_n) the true P_G(x) sums
over every preimage, so eq. 10 under-states log P_G there.
"""

import math

import gin
import keras
import tensorflow as tf

from tfflowgan.generators.oneway import check_min_width


@keras.saving.register_keras_serializable(package="tfflowgan")
class GaussianToUniform(keras.layers.Layer):
  """u -> erf(u / sqrt(2)) = 2 Phi(u) - 1 elementwise: N(0, 1) inputs become
  uniform on (-1, 1). Its Jacobian, diag(2 phi(u)), is part of J."""

  def call(self, u):
    return tf.math.erf(u / math.sqrt(2.0))


@keras.saving.register_keras_serializable(package="tfflowgan")
class FixedVoronoiGate(keras.layers.Layer):
  """p(v) = softmax_k(-||v - m_k||^2 / (2 s^2)) over K fixed centres m_k,
  uniform on (-1, 1)^n (drawn once from `seed`, never trained), at width s;
  s = 0 gives hard cells, p = one_hot(argmin_k ||v - m_k||). Returns
  [p [B, K], v - m_k [B, K, n]].

  Nothing in the gate trains, so every cell keeps the latent mass of its
  Voronoi cell. Across a boundary between m_j and m_k the soft transition is
  s^2 / |m_j - m_k| wide.
  """

  def __init__(self, units: int, width: float = 0.01, seed: int = 0, **kwargs):
    super().__init__(**kwargs)
    self.units, self.width, self.seed = int(units), float(width), int(seed)

  def build(self, input_shape):
    self.centers = self.add_weight(
        shape=(self.units, input_shape[-1]), trainable=False, name="centers",
        initializer=keras.initializers.RandomUniform(-1.0, 1.0, seed=self.seed))

  def call(self, v):
    offsets = v[:, None, :] - self.centers[None]
    d2 = tf.reduce_sum(tf.square(offsets), -1)
    if self.width:
      p = tf.nn.softmax(-0.5 * d2 / self.width ** 2, axis=-1)
    else:  # hard cells: a one-hot argmin, constant within each cell
      p = tf.one_hot(tf.argmin(d2, axis=-1), self.units, dtype=v.dtype)
    return [p, offsets]

  def compute_output_shape(self, input_shape):
    return [(input_shape[0], self.units), (input_shape[0], self.units, input_shape[-1])]

  def get_config(self):
    return {**super().get_config(), "units": self.units, "width": self.width,
            "seed": self.seed}


@keras.saving.register_keras_serializable(package="tfflowgan")
class AffineExperts(keras.layers.Layer):
  """y = sum_k p_k (c_k + A_k u_k): inputs [p [B, K], u_k [B, K, n]], output
  [B, n]. Within a hard cell (p one-hot) the map is affine with Jacobian A_k
  (times the Jacobian of u_k). Init: c_k uniform on [-1, 1]^n, A_k entries
  N(0, scale^2)."""

  def __init__(self, scale: float = 0.02, **kwargs):
    super().__init__(**kwargs)
    self.scale = float(scale)

  def build(self, input_shapes):
    k, n = input_shapes[0][-1], input_shapes[1][-1]
    self.centers = self.add_weight(
        shape=(k, n), initializer=keras.initializers.RandomUniform(-1.0, 1.0), name="centers")
    self.matrices = self.add_weight(
        shape=(k, n, n), initializer=keras.initializers.RandomNormal(0.0, self.scale),
        name="matrices")

  def call(self, inputs):
    p, u = inputs
    experts = self.centers[None] + tf.einsum("kij,bkj->bki", self.matrices, u)
    return tf.einsum("bk,bki->bi", p, experts)

  def compute_output_shape(self, input_shapes):
    return (input_shapes[1][0], input_shapes[1][-1])

  def get_config(self):
    return {**super().get_config(), "scale": self.scale}


@gin.configurable
def voronoi_experts_network(data_shape, num_experts: int = 128, gate_width: float = 0.01,
                            gate_seed: int = 0, output_scale: float = 1.0,
                            name: str = "g_n_voronoi"):
  """g_n of the module doc for flat data [n]; output_scale as in `mlp_network`."""
  if len(data_shape) != 1:
    raise ValueError(f"voronoi_experts_network is for flat data, got shape {tuple(data_shape)}")
  n = int(data_shape[0])
  inputs = keras.Input((n,))
  v = GaussianToUniform()(inputs)
  gate, offsets = FixedVoronoiGate(num_experts, gate_width, gate_seed)(v)
  outputs = AffineExperts()([gate, offsets])
  if output_scale != 1.0:
    outputs = keras.layers.Rescaling(float(output_scale))(outputs)
  net = keras.Model(inputs, outputs, name=name)
  check_min_width(net, n)
  return net
