"""Squeeze (space-to-depth) of RealNVP's multi-scale architecture (Dinh et al. 2017, sec. 3.6)."""

import tensorflow as tf
import tensorflow_probability as tfp


class Squeeze(tfp.bijectors.Bijector):
  """[B, H, W, C] -> [B, H/2, W/2, 4C] by 2x2 space-to-depth: a permutation,
  so log|det| = 0. H and W must be even."""

  def __init__(self, validate_args=False, name="squeeze"):
    parameters = dict(locals())
    with tf.name_scope(name) as name:
      super().__init__(forward_min_event_ndims=3, is_constant_jacobian=True,
                       validate_args=validate_args, parameters=parameters,
                       name=name)

  def _forward(self, x):
    return tf.nn.space_to_depth(x, 2)

  def _inverse(self, y):
    return tf.nn.depth_to_space(y, 2)

  def _forward_log_det_jacobian(self, x):
    return tf.zeros([], x.dtype)

  def _forward_event_shape(self, s):
    return tf.TensorShape([s[0] // 2 if s[0] else None,
                           s[1] // 2 if s[1] else None,
                           s[2] * 4 if s[2] else None])

  def _inverse_event_shape(self, s):
    return tf.TensorShape([s[0] * 2 if s[0] else None,
                           s[1] * 2 if s[1] else None,
                           s[2] // 4 if s[2] else None])

  def _forward_event_shape_tensor(self, s):
    return tf.stack([s[0] // 2, s[1] // 2, s[2] * 4])

  def _inverse_event_shape_tensor(self, s):
    return tf.stack([s[0] * 2, s[1] * 2, s[2] // 4])
