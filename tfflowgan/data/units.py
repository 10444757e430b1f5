"""Likelihood units in the discrete-data space (Danihelka et al. 2017, eq. 3-5).

Models give a continuous log-density log p(y) of the dequantized, scaled data
y = (k + u) / L on [0, 1]^D, where k are integer levels and L the number of
levels. The change of variables y -> k + u contributes -D log L, so

  log p(k + u) = log p(y) - D log L        (a lower bound on log P(k), eq. 3)
  bits/dim     = -(log p(y) - D log L) / (D ln 2).

A uniform density on [0, 1]^D (log p(y) = 0) scores exactly log2(L) bits/dim:
8 for 256 levels.
"""

import math

import tensorflow as tf


def discrete_nll(log_prob_unit, num_dims: int, levels):
  """Negative log-likelihood in nats per example in the discrete-data space.

  For continuous data (levels None) this is -log p(y) unchanged.
  """
  log_prob_unit = tf.convert_to_tensor(log_prob_unit)
  if levels is None:
    return -log_prob_unit
  return -(log_prob_unit - num_dims * math.log(levels))


def bits_per_dim(log_prob_unit, num_dims: int, levels):
  """bits/dim = -(log p(y) - D log L) / (D ln 2) (Danihelka et al. eq. 5)."""
  return discrete_nll(log_prob_unit, num_dims, levels) / (num_dims * math.log(2.0))
