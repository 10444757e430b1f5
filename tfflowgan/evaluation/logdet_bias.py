"""Bias of the Jv estimates of log|det J| of a one-way generator (Ben-Dov et
al. eq. 8-9) against exact log-dets (eq. 10).

At M generator inputs u = g_u(z) (stateless seed), in inference mode:
exact log|det J(u)| by `log_abs_det_exact` (chunks of `exact_chunk_size(n)`),
and for each K the estimate -log mean_k ||J v_k||^-n (K = 1: n log||Jv||)
by `log_abs_det_jvp`; bias = estimate - exact, in nats. By Jensen's
inequality (E log mean_k ||J v_k||^-n <= log E ||Jv||^-n = -log|det J|) every
K over-estimates log|det J| on average, less as K grows, unless ||Jv|| is the
same in every direction (J a scaled rotation); the bias enters log P_G and,
through the importance weights, log zeta.
"""

import time
from typing import Sequence

import numpy as np
import tensorflow as tf

from tfflowgan.evaluation import summaries
from tfflowgan.generators.logdet import exact_chunk_size, log_abs_det_jvp


def exact_log_abs_dets(generator, u) -> tuple:
  """(log|det J| [M] numpy, seconds per input after tracing), exact."""
  fn = tf.function(lambda v: generator.forward_with_logdet(v, training=False, mode="exact")[1],
                   reduce_retracing=True)
  chunk = exact_chunk_size(generator.num_dims)
  fn(u[:chunk])  # trace
  start = time.perf_counter()
  values = np.concatenate([fn(u[i:i + chunk]).numpy() for i in range(0, len(u), chunk)])
  return values, (time.perf_counter() - start) / len(u)


def jvp_log_abs_dets(generator, u, num_directions: int, seed) -> np.ndarray:
  """The K-direction estimates at u (directions from the stateless seed [2])."""
  fn = tf.function(lambda v, s: log_abs_det_jvp(generator.network, v, num_directions,
                                                training=False, seed=s)[1])
  return fn(u, tf.constant(seed, tf.int32)).numpy()


def logdet_bias(generator, num_inputs: int = 64, directions: Sequence[int] = (1, 8),
                seed: int = 0) -> dict:
  """Exact log|det J| at num_inputs generator inputs and, per K in
  `directions`, the bias of the K-direction estimate: mean, std over inputs,
  standard error of the mean, min and max (nats)."""
  u = generator.sample_inputs(int(num_inputs), seed=tf.constant([seed, 23]))
  exact, seconds = exact_log_abs_dets(generator, u)
  out = {"num_inputs": int(num_inputs), "num_dims": int(generator.num_dims),
         "exact_log_abs_det": summaries.stats(exact),
         "exact_seconds_per_input": float(seconds), "bias": {}}
  for k in directions:
    bias = jvp_log_abs_dets(generator, u, int(k), [seed, 29 + int(k)]) - exact
    s = summaries.stats(bias)
    finite = len(bias) - s["count_nonfinite"]
    s["sem"] = s["std"] / np.sqrt(max(finite - 1, 1)) if finite else None
    out["bias"][str(int(k))] = s
  return out
