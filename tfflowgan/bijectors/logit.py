"""RealNVP's logit preprocessing (Dinh et al. 2017, sec. 4.1), log-det counted."""

import math

import tensorflow as tf
import tensorflow_probability as tfp


class Logit(tfp.bijectors.Bijector):
  """y = logit(alpha + (1 - 2 alpha) x) elementwise, x in (0, 1).

  With p = alpha + (1 - 2 alpha) x,
  log|det dy/dx| = sum [log(1 - 2 alpha) - log p - log(1 - p)].
  The inverse is x = (sigmoid(y) - alpha) / (1 - 2 alpha).
  """

  def __init__(self, alpha: float = 0.05, event_ndims: int = 3,
               validate_args=False, name="logit"):
    parameters = dict(locals())
    if not 0.0 <= alpha < 0.5:
      raise ValueError(f"logit alpha must be in [0, 0.5), got {alpha}")
    with tf.name_scope(name) as name:
      self._alpha = float(alpha)
      self._ndims = event_ndims
      super().__init__(forward_min_event_ndims=event_ndims,
                       validate_args=validate_args, parameters=parameters,
                       name=name)

  def _p(self, x):
    return self._alpha + (1.0 - 2.0 * self._alpha) * x

  def _forward(self, x):
    p = self._p(x)
    return tf.math.log(p) - tf.math.log1p(-p)

  def _inverse(self, y):
    return (tf.sigmoid(y) - self._alpha) / (1.0 - 2.0 * self._alpha)

  def _forward_log_det_jacobian(self, x):
    p = self._p(x)
    per_dim = math.log(1.0 - 2.0 * self._alpha) - tf.math.log(p) - tf.math.log1p(-p)
    return tf.reduce_sum(per_dim, axis=tf.range(-self._ndims, 0))
