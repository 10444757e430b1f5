"""RealNVP affine coupling with a binary mask (Dinh et al. 2017, eq. 7-9)."""

import tensorflow as tf
import tensorflow_probability as tfp


class AffineCoupling(tfp.bijectors.Bijector):
  """y = b*x + (1-b) * (x * exp(s(b*x)) + t(b*x)) on [B, H, W, C] (eq. 9).

  The Jacobian is triangular with diagonal exp((1-b) s(b x)), so
  log|det dy/dx| = sum (1-b) * s(b*x) (eq. 8). The inverse is
  x = b*y + (1-b) * (y - t(b*y)) * exp(-s(b*y)).

  Args:
    mask: float array of the event shape, 1 on the conditioning units.
    shift_and_log_scale_fn: a callable (e.g. a Keras 3 layer owned by the
      model) mapping the masked input to (t, s), each of the event shape.
  """

  def __init__(self, mask, shift_and_log_scale_fn, validate_args=False,
               name="affine_coupling"):
    parameters = dict(locals())
    with tf.name_scope(name) as name:
      self._mask = tf.constant(mask, tf.float32)
      self._fn = shift_and_log_scale_fn
      super().__init__(forward_min_event_ndims=len(mask.shape),
                       validate_args=validate_args, parameters=parameters,
                       name=name)

  def _shift_log_scale(self, x):
    shift, log_scale = self._fn(x * self._mask)
    return shift * (1.0 - self._mask), log_scale * (1.0 - self._mask)

  def _forward(self, x):
    shift, log_scale = self._shift_log_scale(x)
    return x * tf.exp(log_scale) + shift

  def _inverse(self, y):
    shift, log_scale = self._shift_log_scale(y)
    return (y - shift) * tf.exp(-log_scale)

  def _forward_log_det_jacobian(self, x):
    _, log_scale = self._shift_log_scale(x)
    return self._sum_event(log_scale)

  def forward_and_log_det(self, x):
    """(y, log|det dy/dx|) from one call of the coupling network."""
    shift, log_scale = self._shift_log_scale(x)
    return x * tf.exp(log_scale) + shift, self._sum_event(log_scale)

  def _sum_event(self, t):
    return tf.reduce_sum(t, axis=tf.range(-len(self._mask.shape), 0))
