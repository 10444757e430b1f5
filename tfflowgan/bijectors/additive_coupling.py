"""NICE additive coupling (Dinh et al. 2014, eq. 3 with m additive)."""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp


class AdditiveCoupling(tfp.bijectors.Bijector):
  """y_I2 = x_I2 + m(x_I1), y_I1 = x_I1 on flat vectors [B, D]; log-det 0.

  The partition is NICE's (and Flow-GAN's) fixed checkerboard on the flat
  vector: I1 = even indices, I2 = odd indices (`parity=0`), swapped for
  `parity=1`. The Jacobian is unit lower-triangular after the permutation, so
  log|det| = 0 (NICE eq. 4).

  Args:
    num_dims: D.
    parity: which half conditions the other.
    shift_fn: callable mapping [B, |I1|] to [B, |I2|] (a Keras 3 layer).
  """

  def __init__(self, num_dims: int, parity: int, shift_fn, validate_args=False,
               name="additive_coupling"):
    parameters = dict(locals())
    with tf.name_scope(name) as name:
      idx = np.arange(num_dims)
      self._i1 = tf.constant(idx[idx % 2 == parity], tf.int32)
      self._i2 = tf.constant(idx[idx % 2 != parity], tf.int32)
      # Scatter back: position of each original index in concat([x1, x2]).
      self._undo = tf.constant(np.argsort(np.concatenate(
          [idx[idx % 2 == parity], idx[idx % 2 != parity]])), tf.int32)
      self._fn = shift_fn
      super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True,
                       validate_args=validate_args, parameters=parameters,
                       name=name)

  def _couple(self, x, sign):
    x1 = tf.gather(x, self._i1, axis=-1)
    x2 = tf.gather(x, self._i2, axis=-1)
    y2 = x2 + sign * self._fn(x1)
    return tf.gather(tf.concat([x1, y2], axis=-1), self._undo, axis=-1)

  def _forward(self, x):
    return self._couple(x, 1.0)

  def _inverse(self, y):
    return self._couple(y, -1.0)

  def _forward_log_det_jacobian(self, x):
    return tf.zeros([], x.dtype)
