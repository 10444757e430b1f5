"""Annealed importance sampling (AIS; Neal 2001) of the partition function of
an energy on the unit cube:

    log zeta = log of the integral over [0, 1]^n of exp(f(x)) dx,

for one-way flows f = D / w (Ben-Dov et al. eq. 15). The base density is the
uniform one on [0, 1]^n (normalizer 1); the intermediate targets are
pi_k(x) ~ exp(beta_k f(x)) with 0 = beta_0 < ... < beta_K = 1 on a sigmoidal
schedule (Grosse et al. 2015). Each of M chains starts at x ~ U[0, 1]^n; at
step k its log-weight gains (beta_k - beta_{k-1}) f(x), then an HMC move that
leaves pi_k invariant moves x: leapfrog steps that reflect at the cube's faces
(position mirrored, that coordinate's momentum negated: volume-preserving and
reversible, Neal 2011 sec. 5.1) and a Metropolis test per chain. The step size
is shared by the chains and tuned after each step towards 65% acceptance.

    log zeta_hat = logsumexp_m(log w_m) - log M.

zeta_hat is unbiased; log zeta_hat is low on average (Jensen), so it is a
stochastic lower bound on log zeta whose gap shrinks as K grows. Reverse AIS
from the final states back to the uniform gives a stochastic upper bound
(bidirectional Monte Carlo, Grosse et al. 2015; exact if those states were
exact draws), so the pair brackets log zeta. Unlike the importance estimate of
eq. 2, AIS needs no proposal density, so it holds for any generator.
"""

import math

import numpy as np
import tensorflow as tf
from scipy.special import logsumexp

TARGET_ACCEPT = 0.65


def sigmoid_schedule(num_temps: int, delta: float = 4.0) -> np.ndarray:
  """beta_0 = 0 < ... < beta_K = 1: sigmoid(delta (2k/K - 1)), rescaled to
  [0, 1] (dense near both ends)."""
  s = 1.0 / (1.0 + np.exp(-delta * (2.0 * np.arange(num_temps + 1) / num_temps - 1.0)))
  return (s - s[0]) / (s[-1] - s[0])


def reflect(x, p):
  """x folded into [0, 1] by mirroring at the faces, and p with the sign of
  every coordinate that crossed an odd number of faces flipped."""
  t = tf.math.floormod(x, 2.0)
  flipped = t > 1.0
  return tf.where(flipped, 2.0 - t, t), tf.where(flipped, -p, p)


def _value_and_grad(energy):
  def fn(x):
    with tf.GradientTape() as tape:
      tape.watch(x)
      f = tf.cast(tf.reshape(energy(x), [-1]), tf.float32)
    return f, tape.gradient(f, x)
  return fn


def hmc_move(value_and_grad, x, f, g, beta, step_size, leapfrog_steps, seed):
  """One HMC move targeting exp(beta f) on [0, 1]^n from (x, f(x), grad f(x)).
  Returns the new (x, f, grad) and each chain's acceptance probability.
  seed: stateless seed [2]; the momenta use it, the Metropolis test seed + [0, 1]."""
  axes = list(range(1, len(x.shape)))
  p = tf.random.stateless_normal(tf.shape(x), seed)
  h0 = -beta * f + 0.5 * tf.reduce_sum(p * p, axes)
  xn, gn, fn = x, g, f
  pn = p + 0.5 * step_size * beta * gn
  for i in range(leapfrog_steps):
    xn, pn = reflect(xn + step_size * pn, pn)
    fn, gn = value_and_grad(xn)
    pn = pn + (1.0 if i < leapfrog_steps - 1 else 0.5) * step_size * beta * gn
  h1 = -beta * fn + 0.5 * tf.reduce_sum(pn * pn, axes)
  accept_prob = tf.exp(tf.minimum(h0 - h1, 0.0))
  accept_prob = tf.where(tf.math.is_finite(accept_prob), accept_prob, 0.0)
  u = tf.random.stateless_uniform(tf.shape(f), seed + [0, 1])
  keep = u < accept_prob
  shape = [-1] + [1] * len(axes)
  pick = lambda a, b: tf.where(tf.reshape(keep, shape) if len(a.shape) > 1 else keep, a, b)
  return pick(xn, x), pick(fn, f), pick(gn, g), accept_prob


def anneal(energy, x, betas, leapfrog_steps: int = 5, step_size: float = 0.01, seed: int = 0):
  """Moves chains `x` through the targets exp(betas[k] f), k = 1, 2, ...:
  log w += (betas[k] - betas[k-1]) f(x), then an HMC move targeting
  exp(betas[k] f). Ascending betas from 0 give forward AIS, descending ones
  from 1 reverse AIS. Returns (log w [M], final x, mean acceptance, step size)."""
  value_and_grad = tf.function(_value_and_grad(energy), reduce_retracing=True)

  @tf.function(reduce_retracing=True)
  def move(x, f, g, beta, eps, s):
    return hmc_move(value_and_grad, x, f, g, beta, eps, leapfrog_steps, s)

  f, g = value_and_grad(x)
  log_w = np.zeros(int(x.shape[0]))
  eps, accepts = float(step_size), []
  for k in range(1, len(betas)):
    log_w += (betas[k] - betas[k - 1]) * f.numpy().astype(np.float64)
    x, f, g, acc = move(x, f, g, tf.constant(betas[k], tf.float32),
                        tf.constant(eps, tf.float32), tf.constant([seed, 2 * k]))
    rate = float(tf.reduce_mean(acc))
    accepts.append(rate)
    eps *= 1.02 if rate > TARGET_ACCEPT else 1 / 1.02
  return log_w, x, float(np.mean(accepts)), eps


def ais_log_zeta(energy, shape, num_chains: int = 256, num_temps: int = 1000,
                 leapfrog_steps: int = 5, step_size: float = 0.01, seed: int = 0) -> dict:
  """Forward and reverse AIS of log zeta for `energy` ([B, *shape] -> [B]
  log-density up to a constant) on [0, 1]^n (module doc).

  Forward: chains from U[0, 1]^n annealed to exp(f); log zeta_hat is a
  stochastic lower bound. Reverse (bidirectional Monte Carlo, Grosse et al.
  2015): the forward chains' final states, resampled by their weights,
  annealed back to the uniform; the mean of their weights estimates 1 / zeta,
  so -log of it is a stochastic upper bound if those states are exact draws
  from exp(f) / zeta (here approximate ones).

  Returns {'log_zeta' (forward), 'log_zeta_upper' (reverse), 'log_zeta_std'
  (bootstrap over forward chains), 'ess' (effective sample size of the forward
  weights), 'accept' (mean forward acceptance)}.
  """
  betas = sigmoid_schedule(num_temps)
  x = tf.random.stateless_uniform([num_chains, *shape], [seed, -1])
  log_w, x, accept, eps = anneal(energy, x, betas, leapfrog_steps, step_size, seed)
  rng = np.random.default_rng(seed)
  w = np.exp(log_w - log_w.max())
  start = tf.gather(x, rng.choice(num_chains, num_chains, p=w / w.sum()))
  log_w_rev, _, _, _ = anneal(energy, start, betas[::-1], leapfrog_steps, eps, seed + 1)
  out = summarize(log_w, rng)
  out.update(log_zeta_upper=-log_mean_exp(log_w_rev), accept=accept)
  return out


def log_mean_exp(a) -> float:
  """log of the mean of exp(a), in float64."""
  return float(logsumexp(np.asarray(a, np.float64)) - math.log(len(a)))


def summarize(log_w, rng) -> dict:
  """log mean exp of the log-weights, its bootstrap std over chains and the
  weights' effective sample size."""
  log_w = np.asarray(log_w, np.float64)
  boot = [log_mean_exp(log_w[rng.integers(0, len(log_w), len(log_w))]) for _ in range(200)]
  w = np.exp(log_w - log_w.max())
  return {"log_zeta": log_mean_exp(log_w), "log_zeta_std": float(np.std(boot)),
          "ess": float(w.sum() ** 2 / (w ** 2).sum())}
