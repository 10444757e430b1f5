"""One-way flow generator G = g_n o g_u (Ben-Dov et al., Sec. 2.3-2.4).

g_u concatenates the latent z ~ N(0, I_d) with independent noise r ~ N(0, I_{n-d})
(eq. 7: log P(g_u(z)) = log P(z) + log P(r)); g_n: R^n -> R^n is any Keras
network whose activations never have fewer than n units (it need not be
invertible). At a generated point x = g_n(u), u = (z, r) (eq. 6, 10):

  log P_G(x) = log N(u; 0, I_n) - log|det J|,   J = d g_n(u) / d u^T  (n x n).

log|det J| ("logdet") is computed in one of two modes:
- 'exact': slogdet of the full Jacobian from `tf.GradientTape.batch_jacobian`
  (small n, e.g. the 2D mixtures; the paper's 2D experiments do this).
- 'jvp': from eq. 8, |det J|^-1 = E_v[||J v||^-n], v uniform on the unit
  sphere, with Jv from forward-mode autodiff (`tf.autodiff.ForwardAccumulator`).
  With K = `logdet_samples` directions the estimate is
      -log mean_k ||J v_k||^-n      (log-sum-exp; consistent as K grows),
  and K = 1 gives the one-sample form n log||Jv||. NOTE: the paper's eq. 9
  writes log|J| ~ log||Jv|| (no factor n); here the estimate of log|det J| is
  n log||Jv||, which is exact when J is a scaled rotation. The entropy weight w
  of the objective always multiplies an estimate of log|det J| itself (in both
  modes), so a paper w for images corresponds to w / n here. The one-sample
  estimate is biased upwards (Jensen; AM-GM of the squared singular values) but
  its gradient pushes the true log|det J| up (paper App. B).

Both modes are differentiable w.r.t. the network weights when called under an
outer `tf.GradientTape`. With batch normalization in training mode the examples
of a batch are coupled through the batch statistics; Jv (and the Jacobian)
then includes that O(1/batch) coupling.

Images: the networks here end in a sigmoid, so G maps straight into the data
space [0, 1]^(H x W x C) and the sigmoid's Jacobian is part of J: log P_G is a
density on [0, 1]^n with no further accounting.
"""

import math
from typing import Optional, Sequence

import gin
import keras
import numpy as np
import tensorflow as tf

LOGDET_MODES = ("exact", "jvp")


def standard_normal_log_prob(u):
  """log N(u; 0, I) summed over the last axis: eq. 7's log P(z) + log P(r)."""
  n = tf.cast(tf.shape(u)[-1], u.dtype)
  return -0.5 * tf.reduce_sum(tf.square(u), axis=-1) - 0.5 * n * math.log(2 * math.pi)


def tape_sources(variables):
  """The tf.Variables behind Keras 3 variables, for `tape.gradient(...,
  unconnected_gradients=tf.UnconnectedGradients.ZERO)`: TF builds the zeros
  from each source's dtype, which is a string on a Keras variable (fails)."""
  return [getattr(v, "value", v) for v in variables]


def random_unit_vectors(shape, dtype=tf.float32):
  """v uniform on the unit sphere S^{n-1}: normalized Gaussians, shape [..., n]."""
  v = tf.random.normal(shape, dtype=dtype)
  return v / tf.norm(v, axis=-1, keepdims=True)


def log_abs_det_exact(fn, u, training=False):
  """(x, log|det d fn(u)/du|): slogdet of `batch_jacobian` (n x n per example).

  For n = 2 the determinant is written out, J00 J11 - J01 J10, and |det| is
  floored at 1e-30 (log|det| >= -69): a numerically singular Jacobian (e.g. a
  saturated softmax layer) then gives a finite value and gradient, where
  slogdet's gradient (a matrix inverse) raises.
  """
  with tf.GradientTape() as tape:
    tape.watch(u)
    x = fn(u, training=training)
    flat = tf.reshape(x, [tf.shape(u)[0], -1])
  jac = tape.batch_jacobian(flat, u)
  if jac.shape[-1] == 2:
    det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
    return x, tf.math.log(tf.maximum(tf.abs(det), 1e-30))
  _, logdet = tf.linalg.slogdet(jac)
  return x, logdet


def log_abs_det_jvp(fn, u, num_directions: int = 1, training=False):
  """(x, estimate of log|det J|) from eq. 8 with K = num_directions directions.

  K = 1: n log||Jv||; K > 1: -log mean_k ||J v_k||^-n (u tiled K times, one
  forward-mode pass).
  """
  batch, n = tf.shape(u)[0], u.shape[-1]
  k = int(num_directions)
  uk = u if k == 1 else tf.tile(u, [k, 1])  # [K * B, n], direction-major
  v = random_unit_vectors(tf.shape(uk), u.dtype)
  with tf.autodiff.ForwardAccumulator(primals=uk, tangents=v) as acc:
    xk = fn(uk, training=training)
  jv = tf.reshape(acc.jvp(xk), [tf.shape(uk)[0], -1])
  log_norm = tf.math.log(tf.norm(jv, axis=-1))  # log||Jv||, [K * B]
  if k == 1:
    return xk, float(n) * log_norm
  log_norm = tf.reshape(log_norm, [k, batch])
  logdet = -(tf.reduce_logsumexp(-float(n) * log_norm, axis=0) - math.log(k))
  return xk[:batch], logdet


class OneWayFlow(keras.layers.Layer):
  """G = g_n o g_u with samples and their log-density (eq. 10).

  Args:
    network: Keras model g_n mapping [B, n] to [B, *data_shape] (n = prod
      data_shape), no activation narrower than n (see `check_min_width`).
    data_shape: shape of one generated example.
    latent_dim: d <= n; the other n - d inputs are the noise r.
    logdet: 'exact' or 'jvp' (see module doc).
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


def check_min_width(network, n: int):
  """Raises if an activation of `network` has fewer than n units per example."""
  for layer in network.layers:
    outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
    units = sum(int(np.prod(out.shape[1:])) for out in outputs)
    if units < n:
      raise ValueError(f"one-way flow: layer {layer.name} has {units} < n = {n} units")


@keras.saving.register_keras_serializable(package="tfflowgan")
class GaussianToUniform(keras.layers.Layer):
  """u -> erf(u / sqrt(2)) elementwise: N(0, 1) inputs become uniform on
  (-1, 1) (2 Phi(u) - 1, Phi the normal CDF). Its Jacobian, diag(2 phi(u)),
  is part of J like any other layer's."""

  def call(self, u):
    return tf.math.erf(u / math.sqrt(2.0))


@keras.saving.register_keras_serializable(package="tfflowgan")
class SoftmaxLinearExperts(keras.layers.Layer):
  """y = sum_k p_k(u) (c_k + A_k u): a softmax gate p(u) over K affine experts
  (a mixture of linear experts). Inputs [p [B, K], u [B, n]], output [B, n];
  with per-expert inputs u [B, K, n] (e.g. u - m_k) y = sum_k p_k (c_k + A_k u_k).

  Within a gate's cell (p_k ~ 1) the map is the affine c_k + A_k u, with
  Jacobian A_k: a Gaussian cell of z-space lands on a Gaussian blob around
  c_k, and the gate may saturate without the Jacobian vanishing. With
  y = W p + b (A_k = 0) a saturated gate gives |det J| -> 0, so the entropy
  term -w log|det J| keeps the gate soft, and a soft gate puts samples
  between the points.

  Init: c_k uniform on [-1, 1]^n, A_k entries N(0, expert_scale^2).
  """

  def __init__(self, expert_scale: float = 0.02, **kwargs):
    super().__init__(**kwargs)
    self.expert_scale = float(expert_scale)

  def build(self, input_shapes):
    k, n = input_shapes[0][-1], input_shapes[1][-1]
    self.centers = self.add_weight(
        shape=(k, n), initializer=keras.initializers.RandomUniform(-1.0, 1.0), name="centers")
    self.matrices = self.add_weight(
        shape=(k, n, n), initializer=keras.initializers.RandomNormal(0.0, self.expert_scale),
        name="matrices")

  def call(self, inputs):
    p, u = inputs
    u_index = "bkj" if len(u.shape) == 3 else "bj"  # per-expert inputs u_k: c_k + A_k u_k
    experts = self.centers[None] + tf.einsum(f"kij,{u_index}->bki", self.matrices, u)
    return tf.einsum("bk,bki->bi", p, experts)

  def compute_output_shape(self, input_shapes):
    return (input_shapes[1][0], input_shapes[1][-1])

  def get_config(self):
    return {**super().get_config(), "expert_scale": self.expert_scale}


@gin.configurable
def mlp_network(num_dims: int, hidden: Sequence[int] = (128, 128),
                activation: str = "leaky_relu", output_scale: float = 1.0,
                last_activation: Optional[str] = None, uniform_input: bool = False,
                linear_experts: bool = False, expert_scale: float = 0.02,
                first_layer_scale: Optional[float] = None, name: str = "g_n_mlp"):
  """g_n for flat data: Dense layers of `hidden` units (each >= n), linear output.

  last_activation: activation of the last hidden layer (default `activation`).
  'softmax' makes the output a soft choice among K learned points plus a
  smooth offset, y = W softmax(h) + b: a map that can put its mass on K
  separated modes (each softmax cell of z-space onto one), which a smooth
  tanh / ReLU map from a Gaussian does only with steep staircases.

  uniform_input: first map the N(0, I) input to the uniform cube (-1, 1)^n
  (`GaussianToUniform`). With a softmax last layer, the far latent directions
  otherwise each end on one winning point: the outer modes get large latent
  cells and the inner ones only thin slivers between them; on the cube no
  direction is far. (On the grid it gave more high-quality samples but
  fewer modes: configs/oneway_grid.gin.)

  linear_experts: with last_activation 'softmax', the output is
  sum_k p_k (c_k + A_k u) (`SoftmaxLinearExperts`, A_k init scale
  `expert_scale`) instead of W p + b: each softmax cell maps affinely onto
  its mode, so the gate can be sharp while the modes keep their width.

  first_layer_scale: s initializes the first layer as random features,
  W ~ N(0, s^2) and b ~ U(-2s, 2s), instead of Glorot weights (scale
  sqrt(6 / (n + units)), 0.15 for 2 -> 256) and zero biases. With the
  default the first tanh layer is nearly linear on the latent's range and
  all its hyperplanes pass through the origin, so a softmax gate's cells
  start as cones that meet at z = 0; random features put the kinks at
  distances |b| / |w| up to ~2 from the origin, so cells can be bounded.

  output_scale: a fixed factor on the output, the data's scale (e.g. 4 for the
  grid in [-4, 4]^2), so the weights work at unit scale; its n log(scale)
  enters the log-det through the Jacobian like any other layer.
  """
  inputs = keras.Input((num_dims,))
  h = GaussianToUniform()(inputs) if uniform_input else inputs
  for i, units in enumerate(hidden):
    last = i == len(hidden) - 1 and last_activation is not None
    init = {}
    if i == 0 and first_layer_scale is not None:
      s = float(first_layer_scale)
      init = dict(kernel_initializer=keras.initializers.RandomNormal(0.0, s),
                  bias_initializer=keras.initializers.RandomUniform(-2 * s, 2 * s))
    h = keras.layers.Dense(units, activation=last_activation if last else activation, **init)(h)
  if linear_experts:
    if last_activation != "softmax":
      raise ValueError("linear_experts needs last_activation='softmax'")
    outputs = SoftmaxLinearExperts(expert_scale)([h, inputs])
  else:
    outputs = keras.layers.Dense(num_dims)(h)
  if output_scale != 1.0:
    outputs = keras.layers.Rescaling(float(output_scale))(outputs)
  net = keras.Model(inputs, outputs, name=name)
  check_min_width(net, num_dims)
  return net


@keras.saving.register_keras_serializable(package="tfflowgan")
class FixedVoronoiGate(keras.layers.Layer):
  """p(u) = softmax_k(-||u - m_k||^2 / (2 s^2)): a soft Voronoi partition of the
  input space by K fixed centres m_k ~ N(0, I), or uniform on (-1, 1)^n with
  `uniform_centers` (drawn once from `seed`, saved, never trained), at a fixed
  width s. Returns [p [B, K], u - m_k [B, K, n]] (the offsets feed experts
  anchored at their cells). s = 0 gives hard cells, p = one_hot(argmin_k ||u - m_k||).

  Nothing in the gate is trained, so no cell can be given away: each holds the
  latent mass of its Voronoi cell for the whole run (m_k is nearest to itself).
  A learned softmax gate can shrink a cell until p_k ~ 0 everywhere, where its
  gradient vanishes too, and the expert it gated is lost for good. Across a
  boundary between m_j and m_k the logit difference changes at the rate
  |m_j - m_k| / s^2, so the soft transition is s^2 / |m_j - m_k| wide.
  """

  def __init__(self, units: int, width: float = 0.01, seed: int = 0,
               uniform_centers: bool = False, **kwargs):
    super().__init__(**kwargs)
    self.units, self.width, self.seed = int(units), float(width), int(seed)
    self.uniform_centers = bool(uniform_centers)

  def build(self, input_shape):
    init = (keras.initializers.RandomUniform(-1.0, 1.0, seed=self.seed) if self.uniform_centers
            else keras.initializers.RandomNormal(0.0, 1.0, seed=self.seed))
    self.centers = self.add_weight(
        shape=(self.units, input_shape[-1]), trainable=False, name="centers", initializer=init)

  def call(self, u):
    offsets = u[:, None, :] - self.centers[None]
    d2 = tf.reduce_sum(tf.square(offsets), -1)
    if self.width:
      p = tf.nn.softmax(-0.5 * d2 / self.width ** 2, axis=-1)
    else:  # hard Voronoi cells: a one-hot argmin, constant within each cell
      p = tf.one_hot(tf.argmin(d2, axis=-1), self.units, dtype=u.dtype)
    return [p, offsets]

  def compute_output_shape(self, input_shape):
    return [(input_shape[0], self.units), (input_shape[0], self.units, input_shape[-1])]

  def get_config(self):
    return {**super().get_config(), "units": self.units, "width": self.width,
            "seed": self.seed, "uniform_centers": self.uniform_centers}


@gin.configurable
def voronoi_experts_network(num_dims: int, num_experts: int = 128, gate_width: float = 0.01,
                            gate_seed: int = 0, expert_scale: float = 0.02,
                            uniform_input: bool = True, output_scale: float = 1.0,
                            name: str = "g_n_voronoi"):
  """g_n = sum_k p_k(v) (c_k + A_k (v - m_k)): K affine experts
  (`SoftmaxLinearExperts`) under a fixed sharp Voronoi gate (`FixedVoronoiGate`,
  centres m_k) of v; only c_k and A_k train. v = 2 Phi(u) - 1 on the cube
  (-1, 1)^n (`GaussianToUniform`) with `uniform_input` (default), else v = u.

  Anchoring expert k at its own cell (v - m_k, not v) keeps the blob's
  position in c_k alone: with c_k + A_k v a shift of the blob moves A_k too
  (by grad m_k^T), which swamps A_k's shape gradient in Adam's per-weight
  scaling (on the grid, seeds 4 / 0: 20.7 / 22.9% high quality unanchored,
  26.6 / 30.3% anchored; configs/oneway_grid.gin).

  Each latent cell maps affinely onto a blob, and each expert climbs D to the
  mode of its own basin: a blob may move between modes but never loses its
  latent mass, so a mode stays covered while any expert sits on it. (With the
  learned gate of `mlp_network(linear_experts=True)` the grid's inner cells
  shrank until the 9 inner modes had no samples: configs/oneway_grid.gin.)
  On the cube every cell is bounded, of area about 2^n / K; with v = u the
  outer cells reach to infinity and their experts map the latent tails onto
  long streaks. output_scale as in `mlp_network`.

  Density: eq. 10 gives each point its own expert's density. Experts that
  land on the same mode overlap (a fold), so log P_G is under-stated there by
  about the log of their number, and an importance-sampled log zeta is
  over-stated (1-3 nats on the 2D configs; README).
  """
  inputs = keras.Input((num_dims,))
  v = GaussianToUniform()(inputs) if uniform_input else inputs
  gate, offsets = FixedVoronoiGate(num_experts, gate_width, gate_seed,
                                   uniform_centers=uniform_input)(v)
  outputs = SoftmaxLinearExperts(expert_scale)([gate, offsets])
  if output_scale != 1.0:
    outputs = keras.layers.Rescaling(float(output_scale))(outputs)
  net = keras.Model(inputs, outputs, name=name)
  check_min_width(net, num_dims)
  return net


def _num_upsamplings(size: int) -> int:
  k = 0
  while size % (2 ** (k + 1)) == 0 and size // 2 ** (k + 1) >= 4:
    k += 1
  return k


@gin.configurable
def dcgan_network(data_shape: Sequence[int], base_filters: int = 64,
                  norm: Optional[str] = "batch", name: str = "g_n_dcgan"):
  """g_n for images (DCGAN, Radford et al.): dense to s x s x C, then transposed
  convolutions 4x4 stride 2 (norm + ReLU) doubling the size, sigmoid output in
  [0, 1]. 32x32 -> s = 4 (3 upsamplings), 28x28 -> 7 (2), 8x8 -> 4 (1)."""
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
  outputs = keras.layers.Activation("sigmoid")(h)
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


@gin.configurable
def oneway_generator(spec, network: str = "mlp", latent_dim: Optional[int] = None,
                     logdet: str = "exact", logdet_samples: int = 1):
  """gin builder: a built `OneWayFlow` for a `DataSpec`.

  network: 'mlp' (`mlp_network`), 'voronoi' (`voronoi_experts_network`; flat
    data) or 'dcgan' (`dcgan_network`; images).
  latent_dim: d (default n, i.e. no noise r); the paper uses 100 for images.
  """
  n = spec.num_dims
  if network == "mlp":
    net = mlp_network(n)  # linear output: for flat continuous data
    if len(spec.shape) != 1:
      net = keras.Sequential([net, keras.layers.Reshape(spec.shape)])
  elif network == "voronoi":
    if len(spec.shape) != 1:
      raise ValueError("network 'voronoi' is for flat data")
    net = voronoi_experts_network(n)
  elif network == "dcgan":
    net = dcgan_network(spec.shape)
  else:
    raise ValueError(f"network must be 'mlp', 'voronoi' or 'dcgan', got {network!r}")
  gen = OneWayFlow(net, spec.shape, latent_dim or n, logdet, logdet_samples)
  gen.build()
  return gen
