"""Adam whose per-variable update is TensorFlow's fused `ResourceApplyAdam`.

Keras' Adam (Kingma & Ba 2015, Alg. 1, with the bias corrections folded into
the rate) updates a variable theta with gradient g at step t as

  alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
  m <- m + (g - m)(1 - beta_1)
  v <- v + (g^2 - v)(1 - beta_2)
  theta <- theta - alpha_t m / (sqrt(v) + epsilon)

as about ten elementwise ops, each a pass over the variable's memory.
`ResourceApplyAdam` computes the same four lines in one kernel and one pass
(and has an XLA lowering). Variables, slots, schedule, clipping, loss scaling and
distribution are Keras Adam's: checkpoints of either restore into the other.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable("tfflowgan")
class FusedAdam(keras.optimizers.Adam):
  """`keras.optimizers.Adam` (amsgrad off) with a fused update step."""

  def __init__(self, *args, amsgrad=False, **kwargs):
    if amsgrad:
      raise ValueError("FusedAdam has no amsgrad variant; use keras.optimizers.Adam")
    super().__init__(*args, **kwargs)

  def update_step(self, gradient, variable, learning_rate):
    if isinstance(gradient, tf.IndexedSlices):  # sparse rows: Keras' own update
      return super().update_step(gradient, variable, learning_rate)
    dtype = variable.dtype
    t = tf.cast(self.iterations + 1, dtype)
    index = self._get_variable_index(variable)
    m, v = self._momentums[index], self._velocities[index]
    beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
    tf.raw_ops.ResourceApplyAdam(
        var=_handle(variable), m=_handle(m), v=_handle(v),
        beta1_power=tf.pow(beta_1, t), beta2_power=tf.pow(beta_2, t),
        lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
        epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))


def _handle(variable):
  """The resource handle of a Keras or tf.Variable (inside a strategy's
  update, the local replica's)."""
  return (variable.value if isinstance(variable, keras.Variable) else variable).handle
