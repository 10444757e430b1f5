"""NICE's diagonal scaling layer (Dinh et al. 2014, sec. 3.3)."""

import tensorflow as tf
import tensorflow_probability as tfp


class DiagonalScale(tfp.bijectors.Bijector):
  """y = x * exp(s) on [B, D], log|det| = sum(s) (NICE eq. 5, with S = exp(s)).

  Args:
    log_scale: a [D] variable owned by the model (s; exp keeps it positive).
  """

  def __init__(self, log_scale, validate_args=False, name="diagonal_scale"):
    parameters = dict(locals())
    with tf.name_scope(name) as name:
      self._log_scale = log_scale
      super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True,
                       validate_args=validate_args, parameters=parameters,
                       name=name)

  def _forward(self, x):
    return x * tf.exp(self._log_scale)

  def _inverse(self, y):
    return y * tf.exp(-self._log_scale)

  def _forward_log_det_jacobian(self, x):
    return tf.reduce_sum(self._log_scale)
