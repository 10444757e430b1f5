"""Pieces every objective shares: optimizers, per-replica and float16 loss
scaling, metrics."""

import gin
import keras
import tensorflow as tf

from tfflowgan.data.units import bits_per_dim, discrete_nll
from tfflowgan.objectives.fused_adam import FusedAdam


class DecayWithDrop(keras.optimizers.schedules.LearningRateSchedule):
  """lr(t) = lr0 * decay_rate^t, times drop_factor from update `drop_step` on
  (t counts the optimizer's own updates)."""

  def __init__(self, initial_learning_rate, decay_rate=1.0, drop_step=0, drop_factor=1.0):
    self.initial_learning_rate = float(initial_learning_rate)
    self.decay_rate, self.drop_step = float(decay_rate), int(drop_step)
    self.drop_factor = float(drop_factor)

  def __call__(self, step):
    t = tf.cast(step, tf.float32)
    lr = self.initial_learning_rate * tf.pow(self.decay_rate, t)
    return tf.where(t >= float(self.drop_step), lr * self.drop_factor, lr)

  def get_config(self):
    return {"initial_learning_rate": self.initial_learning_rate,
            "decay_rate": self.decay_rate, "drop_step": self.drop_step,
            "drop_factor": self.drop_factor}


@gin.configurable
def adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, decay_rate=1.0,
         clipnorm=None, drop_step=0, drop_factor=1.0):
  """Adam (`FusedAdam`) with an optional exponential learning-rate decay per step
  (Flow-GAN: lr * 0.999995^step) and an optional drop: the rate times
  `drop_factor` from update `drop_step` on (`DecayWithDrop`)."""
  lr = learning_rate
  if drop_factor != 1.0:
    lr = DecayWithDrop(learning_rate, decay_rate, drop_step, drop_factor)
  elif decay_rate != 1.0:
    lr = keras.optimizers.schedules.ExponentialDecay(learning_rate, 1, decay_rate)
  return FusedAdam(lr, beta_1=beta_1, beta_2=beta_2, clipnorm=clipnorm)


def for_precision(optimizer):
  """`optimizer`, under the 'mixed_float16' policy wrapped in Keras' dynamic
  `LossScaleOptimizer` (float16 gradients underflow without loss scaling)."""
  if (keras.mixed_precision.global_policy().name == "mixed_float16"
      and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
    return keras.optimizers.LossScaleOptimizer(optimizer)
  return optimizer


def scaled_loss(optimizer, per_example):
  """`replica_mean(per_example)` times the optimizer's loss scale (1 unless
  it is a `LossScaleOptimizer`, which unscales the gradients it applies)."""
  return optimizer.scale_loss(replica_mean(per_example))


def replica_mean(per_example):
  """Mean over the local batch, divided by the replica count: the per-replica
  loss whose gradients, summed across replicas by the optimizer, equal the
  gradient of the global-batch mean."""
  replicas = tf.distribute.get_strategy().num_replicas_in_sync
  return tf.reduce_mean(per_example) / tf.cast(replicas, per_example.dtype)


def mean_metrics(*names):
  return {name: keras.metrics.Mean(name=name) for name in names}


def update_likelihood_metrics(means, log_p, spec):
  """Feeds log p(x) on [0, 1]^D into means['nll'] and means['bits_per_dim'],
  both in the discrete-data space (data.units; Danihelka eq. 5); returns
  their running means."""
  means["nll"].update_state(discrete_nll(log_p, spec.num_dims, spec.levels))
  means["bits_per_dim"].update_state(bits_per_dim(log_p, spec.num_dims, spec.levels))
  return {k: means[k].result() for k in ("nll", "bits_per_dim")}
