"""Importance sampling of the partition function of P_D = exp(D/w) / zeta
(Ben-Dov et al. eq. 2, 15-16).

For an unnormalized log-density f and a proposal q that samples and scores,

  zeta = E_{y ~ q}[exp(f(y)) / q(y)] ~ (1/S) sum_s exp(f(y_s) - log q(y_s)).

`log_zeta_importance` is the in-graph estimate of the training step (groups of
S, optionally mixed with a defensive proposal); `estimate_log_zeta` the
chunked numpy estimate stored after training. A proposal is any callable
`proposal(m) -> (samples [m, ...], log_q [m])`. The estimate of zeta is
unbiased only if log_q is the proposal's true log-density:
`exact_generator_proposal` scores the generator's samples with exact
log-dets, where the Jv estimate of log|det J| (eq. 9) is biased.
"""

import itertools
from typing import Callable, Optional

import gin
import numpy as np
import tensorflow as tf
from scipy.special import logsumexp

from tfflowgan.generators.logdet import exact_chunk_size, standard_normal_log_prob

Proposal = Callable[[int], tuple]


def log_zeta_importance(log_weights, group_size: int, log_zeta_base=None,
                        base_weight: float = 0.0):
  """Mean over groups of log (1/S) sum_s exp(log_weights) (eq. 2 in log form).

  log_weights: [K * S] values D(y)/w - log P_G(y); group_size: S.
  log_zeta_base, base_weight: optional second unbiased estimate of zeta (from
  a `DefensiveGaussian`) mixed in as (1 - a) zeta_G + a zeta_base per group.
  """
  groups = tf.reshape(log_weights, [-1, group_size])
  log_zeta = tf.reduce_logsumexp(groups, axis=1) - np.log(group_size)
  if base_weight:
    base = tf.cast(log_zeta_base, log_zeta.dtype) + float(np.log(base_weight))
    log_zeta = tf.reduce_logsumexp(tf.stack([
        log_zeta + float(np.log1p(-base_weight)),
        tf.broadcast_to(base, tf.shape(log_zeta))]), 0)
  return tf.reduce_mean(log_zeta)


@gin.configurable
class DefensiveGaussian:
  """Defensive importance sampling (Hesterberg 1995; not in the paper): a
  share `weight` = a of the zeta estimate comes from q = N(0, scale^2 I),
  zeta_hat = (1 - a) zeta_G + a zeta_q, unbiased for any a. It sees regions
  the generator misses, where an MLP critic could otherwise grow D unseen."""

  def __init__(self, weight: float = 0.1, scale: float = 1.0):
    if not 0.0 < weight < 1.0 or scale <= 0:
      raise ValueError(f"need 0 < weight < 1 and scale > 0, got {weight}, {scale}")
    self.weight, self.scale = float(weight), float(scale)

  def sample(self, x, n):
    """(b [n, ...] ~ q, log q(b) [n]) for examples shaped like those of x."""
    shape = tf.concat([[n], tf.shape(x)[1:]], 0)
    b = self.scale * tf.random.normal(shape)
    flat = tf.reshape(b, [n, -1])
    num_dims = int(np.prod(x.shape[1:]))
    return b, standard_normal_log_prob(flat / self.scale) - num_dims * np.log(self.scale)


def estimate_log_zeta(log_unnormalized: Callable, proposal: Proposal,
                      num_samples: int, chunk_size: int = 10000) -> float:
  """log of (1/S) sum_s exp(f(y_s) - log q(y_s)), y_s ~ q, S = num_samples,
  accumulated in float64 over chunks."""
  total, left = -np.inf, int(num_samples)
  while left > 0:
    m = min(chunk_size, left)
    y, log_q = proposal(m)
    log_w = np.asarray(log_unnormalized(y), np.float64) - np.asarray(log_q, np.float64)
    total = np.logaddexp(total, logsumexp(log_w))
    left -= m
  return float(total - np.log(num_samples))


def generator_proposal(generator, mode: Optional[str] = None,
                       logdet_samples: Optional[int] = None) -> Proposal:
  """A one-way flow's samples and their log P_G (eq. 10), inference mode; mode
  and logdet_samples (K directions for 'jvp') default to the generator's."""

  @tf.function(reduce_retracing=True)
  def draw(m):
    return generator.sample_with_log_prob(m, training=False, mode=mode,
                                          logdet_samples=logdet_samples)

  def proposal(m):
    y, log_q = draw(tf.constant(m, tf.int32))
    return y.numpy(), log_q.numpy()
  return proposal


def exact_generator_sampler(generator):
  """A traced (m, seed) -> (x [m, ...], log P_G(x) [m]): u from the stateless
  seed [2], log P_G = log N(u) - log|det J| with J exact (eq. 10,
  `log_abs_det_exact`), inference mode. m at most `exact_chunk_size(n)`."""

  @tf.function(reduce_retracing=True)
  def draw(m, seed):
    u = generator.sample_inputs(m, seed=seed)
    x, logdet = generator.forward_with_logdet(u, training=False, mode="exact")
    return x, standard_normal_log_prob(u) - logdet
  return draw


def exact_generator_proposal(generator, seed: int = 0, draw=None) -> Proposal:
  """The generator with exact log P_G as proposal (eq. 2, 10); call i of
  `proposal(m)` draws its u from the stateless seed [seed, i], so an estimate
  from a fresh proposal is reproducible. m is split into calls of at most
  `exact_chunk_size(n)` examples; draw: a traced `exact_generator_sampler`
  to reuse."""
  draw = draw or exact_generator_sampler(generator)
  chunk, calls, base = exact_chunk_size(generator.num_dims), itertools.count(), int(seed)

  def proposal(m):
    parts = [draw(tf.constant(min(chunk, m - start), tf.int32),
                  tf.constant([base, next(calls)], tf.int32))
             for start in range(0, m, chunk)]
    return (np.concatenate([x.numpy() for x, _ in parts]),
            np.concatenate([log_q.numpy() for _, log_q in parts]))
  return proposal


def normal_proposal(shape, scale: float = 1.0, seed: int = 0) -> Proposal:
  """N(0, scale^2 I) on examples of `shape` (numpy draws from `seed`)."""
  rng = np.random.default_rng(seed)
  n = int(np.prod(shape))

  def proposal(m):
    y = scale * rng.standard_normal((m,) + tuple(shape))
    sq = np.square(y.reshape(m, -1)).sum(-1)
    log_q = -0.5 * sq / scale ** 2 - 0.5 * n * np.log(2 * np.pi * scale ** 2)
    return y.astype(np.float32), log_q
  return proposal
