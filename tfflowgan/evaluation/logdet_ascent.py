"""Does ascent on the one-sample log-det estimate raise the true log-det?
(Ben-Dov et al. App. B, Fig. 9; eq. 8-9.)

A network g: R^n -> R^n is trained by Adam to maximize the batch mean of the
one-sample estimate n log||J v|| (`log_abs_det_jvp`, eq. 8 with one direction;
eq. 9 up to the factor n); after every update the exact mean log|det J|
(`log_abs_det_exact`, slogdet of the full Jacobian) is measured on a fixed
evaluation batch. The success rate is the share of updates that raised it.
Ascent on the exact log-det (eq. 6) is the reference: how often updates on
an objective with no estimation noise raise it.

Networks (App. B: "a random order of linear, convolution, LeakyReLU or
batch-norm layers"): each of `depth` layers is drawn uniformly from
  linear      Dense(n): x W + b, W Glorot-uniform, b = 0;
  conv        Conv1D, one channel, 3 taps, zero 'same' padding, Glorot-uniform
              taps (U(-1, 1)), bias 0: a tridiagonal Toeplitz n x n map;
  leaky_relu  LeakyReLU, negative slope 0.2;
  batch_norm  BatchNormalization in inference mode: gamma x / sqrt(1 + eps) +
              beta (moving mean 0, variance 1, eps 1e-3), gamma = 1, beta = 0;
a network with no weights (all LeakyReLU) is drawn again. Inference-mode batch
norm keeps each example's Jacobian its own (training mode would couple the
batch). `RandomLayerStacks` holds K such networks in stacked weights so that
one traced step trains all K at once; Adam acts per element, so this is K
independent runs.
"""

import dataclasses
from typing import Callable, Dict, Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfflowgan.generators.logdet import log_abs_det_exact, log_abs_det_jvp, tape_sources

LAYER_KINDS = ("linear", "conv", "leaky_relu", "batch_norm")
LEAKY_SLOPE = 0.2
BATCH_NORM_EPSILON = 1e-3
LEARNING_RATE = 5e-4  # App. B (and App. C.2's generator rate, Adam)
OBJECTIVES = {"one_sample": log_abs_det_jvp,  # eq. 9: the experiment
              "exact": log_abs_det_exact}     # eq. 6: the reference it approximates


def draw_layer_kinds(num_networks: int, depth: int, rng: np.random.Generator) -> np.ndarray:
  """[K, depth] indices into LAYER_KINDS, uniform; a network of only LeakyReLU
  layers (no weights to train) is drawn again."""
  leaky = LAYER_KINDS.index("leaky_relu")
  kinds = rng.integers(len(LAYER_KINDS), size=(num_networks, depth))
  for k in range(num_networks):
    while np.all(kinds[k] == leaky):
      kinds[k] = rng.integers(len(LAYER_KINDS), size=depth)
  return kinds


class RandomLayerStacks(keras.layers.Layer):
  """K random networks R^n -> R^n of `depth` layers (module docstring), in
  stacked weights. Input and output [K * B, n], network-major: rows k*B..(k+1)*B-1
  go through network k. Every layer is h -> leaky_a(h M + c): M, c the layer's
  affine map (identity for LeakyReLU), a its slope (1 unless LeakyReLU)."""

  def __init__(self, n: int, depth: int, num_networks: int = 1, seed: int = 0, **kwargs):
    super().__init__(**kwargs)
    self.n, self.depth, self.num_networks = int(n), int(depth), int(num_networks)
    rng = np.random.default_rng(seed)
    self.kinds = draw_layer_kinds(self.num_networks, self.depth, rng)
    shape = (self.depth, self.num_networks)
    limit = np.sqrt(6.0 / (2 * self.n))  # Glorot uniform, n -> n
    init = {
        "kernel": rng.uniform(-limit, limit, shape + (self.n, self.n)),
        "bias": np.zeros(shape + (self.n,)),
        "taps": rng.uniform(-1.0, 1.0, shape + (3,)),  # Glorot, fan in = out = 3
        "conv_bias": np.zeros(shape),
        "gamma": np.ones(shape + (self.n,)),
        "beta": np.zeros(shape + (self.n,)),
    }
    for name, value in init.items():
      setattr(self, name, self.add_weight(
          shape=value.shape, initializer=keras.initializers.Constant(value.astype("float32")),
          name=name))
    masks = np.eye(len(LAYER_KINDS), dtype="float32")[self.kinds]  # [K, depth, 4]
    self._mask = {kind: tf.constant(masks[..., i].T) for i, kind in enumerate(LAYER_KINDS)}
    self._slope = tf.constant(np.where(self.kinds.T == LAYER_KINDS.index("leaky_relu"),
                                       LEAKY_SLOPE, 1.0).astype("float32"))

  def affine_maps(self):
    """(M [depth, K, n, n], c [depth, K, n]) of every layer, y = x M + c. The
    conv, batch-norm and LeakyReLU maps are tridiagonal: a 3-tap 'same'
    cross-correlation y_j = t0 x_{j-1} + t1 x_j + t2 x_{j+1} has M[j-1, j] = t0,
    M[j, j] = t1, M[j+1, j] = t2 (zero padding: the band ends at the edges)."""
    m = self._mask
    ones = tf.ones([self.n])
    taps = m["conv"][..., None] * self.taps  # [depth, K, 3]
    main = (taps[..., 1:2] * ones
            + m["batch_norm"][..., None] * self.gamma * float(1 / np.sqrt(1 + BATCH_NORM_EPSILON))
            + m["leaky_relu"][..., None] * ones)
    bands = tf.stack([taps[..., 0:1] * ones, main, taps[..., 2:3] * ones], axis=-2)
    matrix = m["linear"][..., None, None] * self.kernel + tf.linalg.diag(bands, k=(-1, 1))
    shift = (m["linear"][..., None] * self.bias
             + m["conv"][..., None] * self.conv_bias[..., None]
             + m["batch_norm"][..., None] * self.beta)
    return matrix, shift

  def call(self, u, training=False):
    del training  # batch norm is always in inference mode
    matrix, shift = self.affine_maps()
    h = tf.reshape(u, [self.num_networks, -1, self.n])
    for m, c, a in zip(tf.unstack(matrix), tf.unstack(shift[:, :, None, :]),
                       tf.unstack(self._slope[:, :, None, None])):
      h = tf.matmul(h, m) + c
      h = tf.maximum(h, a * h)  # LeakyReLU of slope a <= 1 (a = 1: identity)
    return tf.reshape(h, [-1, self.n])


def success_rate(true_logdets) -> np.ndarray:
  """Share of consecutive steps where the value rose: [T + 1, ...] -> [...]."""
  v = np.asarray(true_logdets, np.float64)
  return np.mean(np.diff(v, axis=0) > 0, axis=0)


@dataclasses.dataclass
class AscentTrace:
  """true_logdet [T + 1, K]: exact mean log|det J| on the evaluation batch
  before the first and after every update; estimate [T, K]: the batch mean of
  the one-sample estimate each update ascended."""
  true_logdet: np.ndarray
  estimate: np.ndarray

  @property
  def differences(self) -> np.ndarray:
    return np.diff(self.true_logdet, axis=0)

  @property
  def success_rate(self) -> np.ndarray:
    return success_rate(self.true_logdet)


def run_ascent(network, n: int, steps: int, batch_size: int = 64, eval_size: int = 256,
               learning_rate: float = LEARNING_RATE, seed: int = 0,
               objective: str = "one_sample") -> AscentTrace:
  """`steps` Adam updates of `network` (a Keras layer [K * B, n] -> [K * B, n],
  network-major, K = its `num_networks` or 1) ascending, for each of its K
  networks, the mean over a fresh batch u ~ N(0, I) of n log||J(u) v||
  (objective "one_sample") or of log|det J(u)| itself ("exact"); the exact
  mean log|det J| on a fixed evaluation batch before and after each update."""
  k = int(getattr(network, "num_networks", 1))
  keras.utils.set_random_seed(seed)  # the directions v drawn by log_abs_det_jvp
  rng = tf.random.Generator.from_seed(seed)
  eval_inputs = rng.normal([k * eval_size, n])
  estimator = OBJECTIVES[objective]
  variables = network.trainable_variables
  optimizer = keras.optimizers.Adam(learning_rate)

  @tf.function
  def true_logdet():
    _, logdet = log_abs_det_exact(network, eval_inputs)
    return tf.reduce_mean(tf.reshape(logdet, [k, eval_size]), axis=1)

  @tf.function
  def ascend(u):
    with tf.GradientTape() as tape:
      _, estimate = estimator(network, u)
      per_network = tf.reduce_mean(tf.reshape(estimate, [k, batch_size]), axis=1)
      loss = -tf.reduce_sum(per_network)  # network k's loss reaches only its weights
    grads = tape.gradient(loss, tape_sources(variables),
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    optimizer.apply_gradients(zip(grads, variables))
    return per_network, true_logdet()

  values, estimates = [true_logdet().numpy()], []
  for _ in range(steps):
    per_network, after = ascend(rng.normal([k * batch_size, n]))
    estimates.append(per_network.numpy())
    values.append(after.numpy())
  return AscentTrace(np.array(values), np.array(estimates))


def cell_seed(seed: int, n: int, depth: int) -> int:
  """One seed per (seed, n, depth): networks and inputs differ across cells."""
  return int(np.random.SeedSequence([seed, n, depth]).generate_state(1)[0] % (2 ** 31))


def ascent_grid(sizes: Sequence[int], depths: Sequence[int], steps: int, num_networks: int,
                seed: int = 0, batch_size: int = 64, eval_size: int = 256,
                learning_rate: float = LEARNING_RATE, objective: str = "one_sample",
                log: Optional[Callable[[str], None]] = None) -> Dict[Tuple[int, int], AscentTrace]:
  """Fig. 9's grid: for every latent size n and depth, `num_networks` random
  networks (`RandomLayerStacks`) trained by `run_ascent`; {(n, depth): trace}."""
  results = {}
  for n in sizes:
    for depth in depths:
      s = cell_seed(seed, n, depth)
      net = RandomLayerStacks(n, depth, num_networks, seed=s)
      results[n, depth] = trace = run_ascent(net, n, steps, batch_size, eval_size,
                                             learning_rate, seed=s, objective=objective)
      if log is not None:
        rate = trace.success_rate
        log(f"n {n}, depth {depth}: success {100 * rate.mean():.1f}% "
            f"(min {100 * rate.min():.1f}%), mean change {trace.differences.mean():+.4f}")
  return results


def format_tables(results: Dict[Tuple[int, int], AscentTrace]) -> str:
  """Markdown: success rate (mean +- std over networks, min) and the mean
  per-iteration change of the true mean log|det J|, rows n, columns depth."""
  sizes = sorted({n for n, _ in results})
  depths = sorted({d for _, d in results})
  head = "| n \\ depth | " + " | ".join(str(d) for d in depths) + " |\n" + \
      "|---" * (len(depths) + 1) + "|\n"
  rates, changes = head, head
  for n in sizes:
    r = [100 * results[n, d].success_rate for d in depths]
    c = [results[n, d].differences.mean(axis=0) for d in depths]
    rates += f"| {n} | " + " | ".join(
        f"{x.mean():.1f} +- {x.std():.1f} (min {x.min():.1f})" for x in r) + " |\n"
    changes += f"| {n} | " + " | ".join(
        f"{x.mean():+.4f} +- {x.std():.4f}" for x in c) + " |\n"
  return ("Success rate, % of iterations that raised the true log|det J| "
          "(mean +- std over networks, min):\n\n" + rates +
          "\nMean change of the true mean log|det J| per iteration, nats "
          "(mean +- std over networks):\n\n" + changes)


def save_differences_figure(results: Dict[Tuple[int, int], AscentTrace], path: str) -> str:
  """Fig. 9: per cell (rows n, columns depth) the per-iteration difference of
  the true log|det J| of every network against the iteration, a bold 0 line,
  the success rate in the title. Symmetric-log y axis (linear within the
  cell's median |difference|)."""
  from tfflowgan.evaluation.plots import plt, save_figure  # pylint: disable=g-import-not-at-top
  sizes = sorted({n for n, _ in results})
  depths = sorted({d for _, d in results})
  fig, axes = plt.subplots(len(sizes), len(depths), squeeze=False,
                           figsize=(3.2 * len(depths), 2.6 * len(sizes)))
  for i, n in enumerate(sizes):
    for j, depth in enumerate(depths):
      ax, trace = axes[i, j], results[n, depth]
      diff = trace.differences
      steps = np.broadcast_to(np.arange(1, diff.shape[0] + 1)[:, None], diff.shape)
      up = diff > 0
      ax.scatter(steps[up], diff[up], s=4, c="tab:blue", alpha=0.5, linewidths=0)
      ax.scatter(steps[~up], diff[~up], s=4, c="tab:red", alpha=0.7, linewidths=0)
      ax.axhline(0.0, color="black", linewidth=2)
      positive = np.abs(diff[diff != 0])
      ax.set_yscale("symlog", linthresh=float(np.median(positive)) if positive.size else 1.0)
      ax.set_title(f"n = {n}, depth {depth}: {100 * trace.success_rate.mean():.1f}% rose",
                   fontsize=9)
      ax.tick_params(labelsize=7)
      if i == len(sizes) - 1:
        ax.set_xlabel("iteration", fontsize=8)
      if j == 0:
        ax.set_ylabel("change of true log|det J|", fontsize=8)
  return save_figure(fig, path)
