"""RealNVP's multi-scale architecture with factor-out (Dinh et al. 2017, sec. 3.6).

Direction: `forward` is the normalizing map f: x [B, H, W, C] -> z [B, D]
(Dinh eq. 3); `inverse` generates. One scale is
  3 checkerboard couplings -> squeeze -> 3 channel couplings -> factor out
  half of the channels (they go straight to z),
and after the scales come `final_couplings` checkerboard couplings on what is
left. NVP1/NVP2/NVP3 of Danihelka et al. are 1/2/3 scales with 1 final
coupling (7, 13, 19 couplings); Dinh et al. and Flow-GAN's CIFAR-10 model use
4 final couplings. log|det df/dx| is the sum of the couplings' log-dets
(squeeze and factor-out are permutations).
"""

import dataclasses
from typing import List, Tuple

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfflowgan.bijectors.affine_coupling import AffineCoupling
from tfflowgan.bijectors.masks import channel_mask, checkerboard_mask
from tfflowgan.bijectors.squeeze import Squeeze


@dataclasses.dataclass(frozen=True)
class CouplingSpec:
  shape: Tuple[int, int, int]   # input shape [H, W, C] of this coupling
  mask: str                     # 'checkerboard' or 'channel'
  parity: int


def multiscale_plan(shape, num_scales: int, couplings_per_stage: int = 3,
                    final_couplings: int = 1) -> List[tuple]:
  """The ops of the architecture: ('coupling', CouplingSpec), ('squeeze',),
  ('factor_out', kept_channels). Fails with a message naming the setting when
  the image cannot be squeezed that often."""
  h, w, c = shape
  ops = []
  for scale in range(num_scales):
    if h % 2 or w % 2:
      raise ValueError(
          f"num_scales={num_scales} is impossible for images of shape {tuple(shape)}: "
          f"scale {scale + 1} would squeeze a {h}x{w} map (odd size); use fewer "
          "scales or crop the images")
    for i in range(couplings_per_stage):
      ops.append(("coupling", CouplingSpec((h, w, c), "checkerboard", i % 2)))
    ops.append(("squeeze",))
    h, w, c = h // 2, w // 2, 4 * c
    for i in range(couplings_per_stage):
      ops.append(("coupling", CouplingSpec((h, w, c), "channel", i % 2)))
    ops.append(("factor_out", c // 2))
    c = c // 2
  for i in range(final_couplings):
    ops.append(("coupling", CouplingSpec((h, w, c), "checkerboard", i % 2)))
  return ops


def coupling_specs(plan) -> List[CouplingSpec]:
  return [op[1] for op in plan if op[0] == "coupling"]


class MultiScaleRealNVP(tfp.bijectors.Bijector):
  """f: x [B, H, W, C] -> z [B, H*W*C] (flat; factored-out parts first).

  Args:
    shape: image shape [H, W, C].
    plan: from `multiscale_plan`.
    nets: one callable per coupling in the plan (masked x -> (shift, log_scale)).
  """

  def __init__(self, shape, plan, nets, validate_args=False, name="multiscale_realnvp"):
    parameters = dict(locals())
    specs = coupling_specs(plan)
    if len(nets) != len(specs):
      raise ValueError(f"{len(specs)} couplings in the plan but {len(nets)} nets")
    with tf.name_scope(name) as name:
      self._shape = tuple(int(s) for s in shape)
      self._plan = plan
      self._couplings = []
      for spec, net in zip(specs, nets):
        make = checkerboard_mask if spec.mask == "checkerboard" else channel_mask
        self._couplings.append(AffineCoupling(make(spec.shape, spec.parity), net))
      self._squeeze = Squeeze()
      super().__init__(forward_min_event_ndims=3, inverse_min_event_ndims=1,
                       validate_args=validate_args, parameters=parameters,
                       name=name)

  @property
  def num_dims(self):
    return int(np.prod(self._shape))

  def _run(self, x, with_log_det: bool):
    h, parts, k = x, [], 0
    log_det = tf.zeros(tf.shape(x)[:1], x.dtype)
    for op in self._plan:
      if op[0] == "coupling":
        if with_log_det:
          h, coupling_log_det = self._couplings[k].forward_and_log_det(h)
          log_det += coupling_log_det
        else:
          h = self._couplings[k].forward(h)
        k += 1
      elif op[0] == "squeeze":
        h = self._squeeze.forward(h)
      else:
        z_out, h = h[..., :op[1]], h[..., op[1]:]
        parts.append(tf.reshape(z_out, [tf.shape(x)[0], -1]))
    parts.append(tf.reshape(h, [tf.shape(x)[0], -1]))
    return tf.concat(parts, axis=-1), log_det

  def _forward(self, x):
    return self._run(x, with_log_det=False)[0]

  def _forward_log_det_jacobian(self, x):
    return self._run(x, with_log_det=True)[1]

  def forward_and_log_det(self, x):
    """(z, log|det dz/dx|) in one pass: one network call per coupling."""
    return self._run(x, with_log_det=True)

  def _inverse(self, z):
    # Shapes of h before each op, in forward order.
    shapes, (hh, ww, cc) = [], self._shape
    for op in self._plan:
      shapes.append((hh, ww, cc))
      if op[0] == "squeeze":
        hh, ww, cc = hh // 2, ww // 2, cc * 4
      elif op[0] == "factor_out":
        cc = cc - op[1]
    batch = tf.shape(z)[0]
    sizes = [shapes[i][0] * shapes[i][1] * op[1]
             for i, op in enumerate(self._plan) if op[0] == "factor_out"]
    sizes.append(hh * ww * cc)
    pieces = tf.split(z, sizes, axis=-1)
    h = tf.reshape(pieces[-1], [batch, hh, ww, cc])
    j, k = len(sizes) - 2, len(self._couplings) - 1
    for i in reversed(range(len(self._plan))):
      op, (sh, sw, _) = self._plan[i], shapes[i]
      if op[0] == "coupling":
        h = self._couplings[k].inverse(h)
        k -= 1
      elif op[0] == "squeeze":
        h = self._squeeze.inverse(h)
      else:
        z_out = tf.reshape(pieces[j], [batch, sh, sw, op[1]])
        h = tf.concat([z_out, h], axis=-1)
        j -= 1
    return h

  def _forward_event_shape(self, s):
    return tf.TensorShape([self.num_dims])

  def _inverse_event_shape(self, s):
    return tf.TensorShape(self._shape)

  def _forward_event_shape_tensor(self, s):
    return tf.constant([self.num_dims], tf.int32)

  def _inverse_event_shape_tensor(self, s):
    return tf.constant(self._shape, tf.int32)
