"""Mixed precision: networks compute in the dtype of Keras' global policy
('mixed_bfloat16', 'mixed_float16'; variables stay float32), and hand float32
to everything built on their outputs (log-dets, densities, partition
estimates, losses, metrics)."""

import keras
from keras import ops


def float32(*tensors):
  """Each tensor cast to float32 (a no-op under the float32 policy)."""
  out = tuple(ops.cast(t, "float32") for t in tensors)
  return out[0] if len(out) == 1 else out


def float32_output(h, name=None):
  """A functional model's output layer: `h` as float32, the Keras idiom for a
  mixed-precision model's last layer."""
  return keras.layers.Activation("linear", dtype="float32", name=name)(h)
