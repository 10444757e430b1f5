"""Keras callbacks of the training runner: step counter and checkpoints,
samples, per-step TensorBoard scalars, non-finite guard."""

import math
import os

import keras
import numpy as np
import tensorflow as tf


class NonFiniteLossError(FloatingPointError):
  """Training produced a non-finite metric; the last good checkpoint is kept."""


class StepCounter(keras.callbacks.Callback):
  """Counts training batches in `step_var` (checkpointed: resume point and
  `train_steps`); every `every` steps (if set) saves through `manager`,
  except at the end of an epoch (`CheckpointEachEpoch` saves then).

  The count is the epoch's first step plus the index of the call's last batch
  + 1, so it stays exact when one call runs several steps
  (`steps_per_execution`)."""

  def __init__(self, step_var, manager=None, every=None, steps_per_epoch=None):
    super().__init__()
    self.step_var, self.manager, self.every = step_var, manager, every
    self.steps_per_epoch = steps_per_epoch
    self.epoch_start = None

  def on_epoch_begin(self, epoch, logs=None):
    self.epoch_start = int(self.step_var.numpy())

  def on_train_batch_end(self, batch, logs=None):
    if self.epoch_start is None:
      self.epoch_start = int(self.step_var.numpy()) - batch
    step = self.epoch_start + batch + 1
    self.step_var.assign(step)
    if (self.every and self.manager is not None and step % self.every == 0
        and not (self.steps_per_epoch and step % self.steps_per_epoch == 0)):
      self.manager.save(checkpoint_number=step)


class CheckpointEachEpoch(keras.callbacks.Callback):
  """Saves model + optimizer state + counters through a CheckpointManager
  (atomic: the state file names a checkpoint only once it is complete; the
  last `max_to_keep` kept) as `ckpt-<epoch>` at the end of every epoch."""

  def __init__(self, manager: tf.train.CheckpointManager, epoch_var: tf.Variable):
    super().__init__()
    self.manager, self.epoch_var = manager, epoch_var

  def on_epoch_end(self, epoch, logs=None):
    self.epoch_var.assign(epoch + 1)
    self.manager.save(checkpoint_number=epoch + 1)


class NonFiniteGuard(keras.callbacks.Callback):
  """Stops at the first non-finite logged value, naming the metric and step.

  latest: a CheckpointManager or a callable giving the last checkpoint path;
  step_var: the global step counter (read before `StepCounter` adds 1)."""

  def __init__(self, latest=None, steps_per_epoch=None, step_var=None):
    super().__init__()
    self.latest, self.steps_per_epoch, self.step_var = latest, steps_per_epoch, step_var
    self.epoch = 0

  def on_epoch_begin(self, epoch, logs=None):
    self.epoch = epoch

  def _last_checkpoint(self):
    if self.latest is None:
      return None
    return self.latest() if callable(self.latest) else self.latest.latest_checkpoint

  def on_train_batch_end(self, batch, logs=None):
    for key, value in (logs or {}).items():
      value = np.asarray(value)
      if value.size and not np.all(np.isfinite(value)):
        if self.step_var is not None:
          step = f"global step {int(self.step_var.numpy()) + 1}"
        elif self.steps_per_epoch:
          step = f"global step {self.epoch * self.steps_per_epoch + batch + 1}"
        else:
          step = f"epoch {self.epoch + 1}, batch {batch + 1}"
        self.model.stop_training = True
        raise NonFiniteLossError(
            f"Non-finite {key} = {float(value.ravel()[0])} at {step}; training "
            f"stopped. Last good checkpoint: {self._last_checkpoint() or 'none yet'} "
            "(kept). Try a lower learning rate, gradient clipping (adam.clipnorm) "
            "or a larger logit alpha.")


class StepScalars(keras.callbacks.Callback):
  """Every `every` global steps: each logged metric as a TensorBoard scalar
  `step/<name>` at the global step (continues across resumes)."""

  def __init__(self, logdir, step_var, every):
    super().__init__()
    self.step_var, self.every = step_var, int(every)
    self.writer = tf.summary.create_file_writer(logdir)

  def on_train_batch_end(self, batch, logs=None):
    step = int(self.step_var.numpy())
    if step % self.every:
      return
    with self.writer.as_default():
      for name, value in (logs or {}).items():
        value = np.asarray(value)
        if value.size == 1:
          tf.summary.scalar(f"step/{name}", float(value.ravel()[0]), step=step)
    self.writer.flush()


class SampleImages(keras.callbacks.Callback):
  """Every `every` epochs (and every `every_steps` global steps, if set): a
  PNG grid of samples and the same grid as one TensorBoard image."""

  def __init__(self, workdir, spec, num=64, every=1, seed=1234, every_steps=None,
               step_var=None):
    super().__init__()
    self.workdir, self.spec, self.num, self.every, self.seed = workdir, spec, num, every, seed
    self.every_steps, self.step_var = every_steps, step_var
    self.writer = tf.summary.create_file_writer(os.path.join(workdir, "tb", "samples"))

  def _save(self, name, tag, step):
    samples = save_samples(self.model, self.spec,
                           os.path.join(self.workdir, "samples", name), self.num, self.seed)
    if self.spec.is_image:
      with self.writer.as_default():
        tf.summary.image(tag, sample_grid(samples)[None], step=step, max_outputs=1)
      self.writer.flush()

  def on_epoch_end(self, epoch, logs=None):
    if self.every and (epoch + 1) % self.every == 0:
      self._save(f"epoch_{epoch + 1:04d}.png", "samples", epoch + 1)

  def on_train_batch_end(self, batch, logs=None):
    if self.every_steps and self.step_var is not None:
      step = int(self.step_var.numpy())
      if step % self.every_steps == 0:
        self._save(f"step_{step:07d}.png", "samples_by_step", step)


def _grid_columns(num):
  return int(math.ceil(math.sqrt(num)))


def sample_grid(samples) -> np.ndarray:
  """[N, H, W, C] images -> one square-ish [H', W', C] grid (`plots.image_grid`:
  each image >= 32 pixels a side, one gray pixel between images)."""
  from tfflowgan.evaluation import plots
  return plots.image_grid(samples, nrow=_grid_columns(len(samples)))


def save_samples(model, spec, path, num=64, seed=1234):
  """Draws `num` samples with a fixed seed and writes them to `path` as PNG
  (images: the `sample_grid`; 2D points: a scatter plot)."""
  from tfflowgan.evaluation import plots
  os.makedirs(os.path.dirname(path), exist_ok=True)
  samples = np.asarray(model.sample(num, seed=tf.constant([seed, 0])))
  if spec.is_image:
    plots.save_image_grid(samples, path, nrow=_grid_columns(num))
  else:
    plots.save_scatter_2d(samples, path)
  return samples
