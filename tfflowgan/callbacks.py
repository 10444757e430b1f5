"""Keras callbacks of the training runner: step counter and checkpoints,
the best-validation checkpoint, samples, FID and the independent critic
during training, per-step TensorBoard scalars, non-finite guard."""

import dataclasses
import json
import math
import os
import types

import keras
import numpy as np
import tensorflow as tf

from tfflowgan.paths import write_json


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


BEST_VALIDATION = "best_validation.json"
# The validation NLL a model logs (Keras' `val_` prefix), in order of preference:
# nats per example (exact for flows, the L_C bound for AV-ADE), else bits/dim.
VALIDATION_NLL = ("val_nll", "val_nll_bound", "val_bits_per_dim", "val_bits_per_dim_bound")


class BestValidation(keras.callbacks.Callback):
  """Keeps the checkpoint of the epoch with the lowest validation NLL, as
  Flow-GAN's protocol does (the best-validation checkpoint gives the test
  NLL): `manager` (max_to_keep 1) saves `ckpt` as `ckpt-<epoch>`, `epoch` 1-based
  as in `checkpoints/`, whenever the first `VALIDATION_NLL` key of the epoch's
  logs improves; `ckpt.epoch` is set to that epoch first. After each save,
  `workdir/best_validation.json` ({epoch, monitor, value, checkpoint: its path
  relative to the workdir}) names it, so the file only names complete
  checkpoints; a resumed run reads the best so far from
  `read_dir/best_validation.json` (the chief's workdir)."""

  def __init__(self, workdir, manager, ckpt, read_dir=None):
    super().__init__()
    self.workdir, self.read_dir = workdir, read_dir or workdir
    self.manager, self.ckpt = manager, ckpt
    self.best = None  # the record of best_validation.json
    self.best_dir = None  # the folder its checkpoint path is relative to
    path = os.path.join(self.read_dir, BEST_VALIDATION)
    if os.path.isfile(path):  # a resumed run, also one with no epochs left to train
      with open(path) as f:
        self.best, self.best_dir = json.load(f), self.read_dir

  @property
  def best_checkpoint(self):
    return None if self.best is None else os.path.join(self.best_dir, self.best["checkpoint"])

  def on_epoch_end(self, epoch, logs=None):
    monitor = next((k for k in VALIDATION_NLL if k in (logs or {})), None)
    if monitor is None:
      return
    value = float(np.asarray(logs[monitor]).ravel()[0])
    if not math.isfinite(value) or (self.best is not None and value >= self.best["value"]):
      return
    self.ckpt.epoch.assign(epoch + 1)
    path = self.manager.save(checkpoint_number=epoch + 1)
    self.best = {"epoch": epoch + 1, "monitor": monitor, "value": value,
                 "checkpoint": os.path.relpath(path, self.workdir)}
    self.best_dir = self.workdir
    write_json(os.path.join(self.workdir, BEST_VALIDATION), self.best)


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


FID_HISTORY = "fid_history.json"


def _history_entries(path):
  """The `history` list of a per-epoch record a resumed run continues ([] if none)."""
  if not os.path.isfile(path):
    return []
  with open(path) as f:
    return json.load(f)["history"]


class FIDHistory(keras.callbacks.Callback):
  """Every `every` epochs: the FID (Heusel et al. 2017) of `num_samples`
  samples (the same seed each time) against the `reference` images, on
  `features` (images -> activations [N, F]); logged as `fid` (history,
  TensorBoard) on those epochs and written with the epoch and global step to
  `workdir/fid_history.json`, FID over training as in Ben-Dov et al.'s Fig. 6
  (`scripts/plot_fid_curves.py`). A resumed run keeps the epochs already there.

  reference: images [N, H, W, C] or a dataset of such batches."""

  def __init__(self, workdir, reference, features, every, num_samples=500, seed=4321,
               step_var=None, description=""):
    super().__init__()
    self.path = os.path.join(workdir, FID_HISTORY)
    self.reference, self.features, self.every = reference, features, int(every)
    self.num_samples, self.seed, self.step_var = int(num_samples), seed, step_var
    self.description = description
    self.reference_acts, self.entries = None, []

  def on_train_begin(self, logs=None):
    from tfflowgan.evaluation import sample_quality  # pylint: disable=g-import-not-at-top
    self._fid = sample_quality.frechet_distance
    if self.reference_acts is None:
      x = self.reference
      if not isinstance(x, np.ndarray):
        x = np.concatenate([np.asarray(b) for b in x])
      self.reference_acts = np.asarray(self.features(x))
    self.entries = _history_entries(self.path)

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every:
      return
    samples = np.asarray(self.model.sample(self.num_samples, seed=tf.constant([self.seed, 0])))
    fid = self._fid(np.asarray(self.features(samples)), self.reference_acts)
    if logs is not None:
      logs["fid"] = fid
    step = int(self.step_var.numpy()) if self.step_var is not None else None
    self.entries = [e for e in self.entries if e["epoch"] != epoch + 1]
    self.entries.append({"epoch": epoch + 1, "step": step, "fid": fid})
    record = {"features": self.description, "num_samples": self.num_samples,
              "num_reference": int(len(self.reference_acts)), "every_epochs": self.every,
              "history": sorted(self.entries, key=lambda e: e["epoch"])}
    write_json(self.path, record)


def fid_history(workdir, spec, validation, every, num_samples, step_var=None):
  """`FIDHistory` against the validation images on the evaluation suite's FID
  features (digits: the library's classifier, trained and cached at
  runs/_classifier/digits.keras on first use; other images: InceptionV3 from
  local weights); `ConfigError` if a setting does not fit or there are none."""
  from tfflowgan.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from tfflowgan.evaluation import suite  # pylint: disable=g-import-not-at-top
  if not isinstance(every, int) or every < 0:
    raise ConfigError(f"train.fid_every_epochs must be an integer >= 0, got {every!r}")
  if not isinstance(num_samples, int) or num_samples < 2:
    raise ConfigError(f"train.fid_samples must be an integer >= 2, got {num_samples!r}")
  try:
    net, _, description = suite._feature_net(  # pylint: disable=protected-access
        types.SimpleNamespace(cfg=suite.SuiteConfig(), spec=spec))
  except suite.Skip as e:
    raise ConfigError(f"train.fid_every_epochs = {every} needs FID features for "
                      f"{spec.name!r}: {e} (train.fid_every_epochs = 0 trains without)") from e
  return FIDHistory(workdir, validation, lambda x: net(x)[0], every, num_samples,
                    step_var=step_var, description=description)


CRITIC_HISTORY = "critic_history.json"
CRITIC_SPLITS = ("train", "validation", "test")


class IndependentCriticHistory(keras.callbacks.Callback):
  """Danihelka et al.'s independent critic over training (Sec. 3.5, Fig. 9).

  A critic the generator never sees (`evaluation.independent_critic`) takes
  `settings.steps` updates every `every` epochs on validation images against a fresh
  pool of generator samples, maximizing eq. 6 under the settings' constraint
  (the paper: weight clipping). Then W_hat(x_split, x_g) = mean f(x_split) -
  mean f(x_g) for the train, validation and test images against held-out
  samples (eq. 6-8) is logged as `critic_w_train` / `_validation` / `_test`
  (history, TensorBoard) and written with the epoch and step to
  `workdir/critic_history.json`; `critic_history.png` draws the three at the
  end. W_hat(train) < W_hat(test) marks a generator closer to its training
  set than to held-out data (eq. 10). The critic and its optimizer are saved
  in `workdir/critic_checkpoint/`: a resumed run continues them.

  data: {split: examples [N, ...]}; images (in [0, 1]) enter the critic as 2x - 1."""

  def __init__(self, workdir, data, settings, every, num_samples=500, seed=2468,
               step_var=None, image=True):
    super().__init__()
    self.workdir, self.every = workdir, int(every)
    self.settings, self.num_samples, self.seed = settings, int(num_samples), seed
    self.step_var, self.scale = step_var, (2.0, -1.0) if image else (1.0, 0.0)
    self.data = {k: self._critic_input(data[k]) for k in CRITIC_SPLITS}
    self.path = os.path.join(workdir, CRITIC_HISTORY)
    self.trainer, self.entries = None, []

  def _critic_input(self, x):
    return self.scale[0] * np.asarray(x, np.float32) + self.scale[1]

  def _sample(self, n, stream, epoch):
    return self._critic_input(self.model.sample(n, seed=tf.constant([self.seed + stream, epoch])))

  def on_train_begin(self, logs=None):
    from tfflowgan.evaluation import independent_critic  # pylint: disable=g-import-not-at-top
    if self.trainer is None:
      self.trainer = independent_critic.IndependentCritic(
          self.data["validation"].shape[1:], self.settings)
      self.checkpoint = tf.train.Checkpoint(critic=self.trainer.critic,
                                            optimizer=self.trainer.optimizer)
      self.manager = tf.train.CheckpointManager(
          self.checkpoint, os.path.join(self.workdir, "critic_checkpoint"), max_to_keep=1)
      if self.manager.latest_checkpoint:
        self.checkpoint.restore(self.manager.latest_checkpoint).assert_existing_objects_matched()
    self.entries = _history_entries(self.path)

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every:
      return
    from tfflowgan.evaluation.independent_critic import critic_scores  # pylint: disable=g-import-not-at-top
    rng = np.random.default_rng([self.seed, epoch])
    pool = self._sample(max(self.num_samples, self.settings.batch_size), 0, epoch)
    self.trainer.train(self.data["validation"], pool, self.settings.steps, rng)
    fake = critic_scores(self.trainer.critic, self._sample(self.num_samples, 1, epoch)).mean()
    entry = {"epoch": epoch + 1,
             "step": int(self.step_var.numpy()) if self.step_var is not None else None}
    for split in CRITIC_SPLITS:
      x = self.data[split][:self.num_samples]
      entry[f"critic_w_{split}"] = float(critic_scores(self.trainer.critic, x).mean() - fake)
      if logs is not None:
        logs[f"critic_w_{split}"] = entry[f"critic_w_{split}"]
    self.manager.save(checkpoint_number=epoch + 1)
    self.entries = [e for e in self.entries if e["epoch"] != epoch + 1] + [entry]
    write_json(self.path, {"settings": dataclasses.asdict(self.settings),
                           "every_epochs": self.every,
                           "num_samples": self.num_samples,
                           "history": sorted(self.entries, key=lambda e: e["epoch"])})

  def on_train_end(self, logs=None):
    if not self.entries:
      return
    from tfflowgan.evaluation import plots  # pylint: disable=g-import-not-at-top
    rows = sorted(self.entries, key=lambda e: e["epoch"])
    plots.save_lines([e["epoch"] for e in rows],
                     {f"W_hat({s}, generated)": [e[f"critic_w_{s}"] for e in rows]
                      for s in CRITIC_SPLITS},
                     os.path.join(self.workdir, "critic_history.png"), "epoch",
                     "independent critic W_hat", f"independent critic ({self.settings.loss})")


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
