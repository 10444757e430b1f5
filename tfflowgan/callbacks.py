"""Keras callbacks of the training runner: checkpoints, samples, non-finite guard."""

import math
import os

import keras
import numpy as np
import tensorflow as tf


class NonFiniteLossError(FloatingPointError):
  """Training produced a non-finite metric; the last good checkpoint is kept."""


class CheckpointEachEpoch(keras.callbacks.Callback):
  """Saves model + optimizer state + epoch counter through a CheckpointManager
  (atomic writes, the last `max_to_keep` kept) at the end of every epoch."""

  def __init__(self, manager: tf.train.CheckpointManager, epoch_var: tf.Variable):
    super().__init__()
    self.manager, self.epoch_var = manager, epoch_var

  def on_epoch_end(self, epoch, logs=None):
    self.epoch_var.assign(epoch + 1)
    self.manager.save(checkpoint_number=epoch + 1)


class NonFiniteGuard(keras.callbacks.Callback):
  """Stops at the first non-finite logged value, naming the metric and step."""

  def __init__(self, manager=None, steps_per_epoch=None):
    super().__init__()
    self.manager, self.steps_per_epoch, self.epoch = manager, steps_per_epoch, 0

  def on_epoch_begin(self, epoch, logs=None):
    self.epoch = epoch

  def on_train_batch_end(self, batch, logs=None):
    for key, value in (logs or {}).items():
      value = np.asarray(value)
      if value.size and not np.all(np.isfinite(value)):
        step = (f"global step {self.epoch * self.steps_per_epoch + batch + 1}"
                if self.steps_per_epoch else f"epoch {self.epoch + 1}, batch {batch + 1}")
        last = self.manager.latest_checkpoint if self.manager else None
        self.model.stop_training = True
        raise NonFiniteLossError(
            f"Non-finite {key} = {float(value.ravel()[0])} at {step}; training "
            f"stopped. Last good checkpoint: {last or 'none yet'} (kept). Try a "
            "lower learning rate, gradient clipping (adam.clipnorm) or a larger "
            "logit alpha.")


class SampleImages(keras.callbacks.Callback):
  """Every `every` epochs: a PNG grid of samples and a TensorBoard image."""

  def __init__(self, workdir, spec, num=64, every=1, seed=1234):
    super().__init__()
    self.workdir, self.spec, self.num, self.every, self.seed = workdir, spec, num, every, seed
    self.writer = tf.summary.create_file_writer(os.path.join(workdir, "tb", "samples"))

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every:
      return
    samples = save_samples(self.model, self.spec,
                           os.path.join(self.workdir, "samples", f"epoch_{epoch + 1:04d}.png"),
                           self.num, self.seed)
    if self.spec.is_image:
      with self.writer.as_default():
        tf.summary.image("samples", samples[:16], step=epoch + 1, max_outputs=16)


def save_samples(model, spec, path, num=64, seed=1234):
  """Draws `num` samples with a fixed seed and writes them to `path` as PNG."""
  from tfflowgan.evaluation import plots
  os.makedirs(os.path.dirname(path), exist_ok=True)
  samples = np.asarray(model.sample_images(num, seed=tf.constant([seed, 0])))
  if spec.is_image:
    plots.save_image_grid(samples, path, nrow=int(math.ceil(math.sqrt(num))))
  else:
    plots.save_scatter_2d(samples, path)
  return samples
