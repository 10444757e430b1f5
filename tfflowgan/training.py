"""The experiment runner behind `scripts/train.py`: data, model, fit, evaluate.

A gin config names the data set and a model builder (`model_builder(spec)`
returns a compiled Keras model with a custom `train_step`); `train` does the
rest: seeded pipelines, the distribution strategy, `model.fit` with a progress
display, TensorBoard logs, checkpoints that resume, sample grids, and a final
`metrics.json` with validation and test figures.

Best validation (Flow-GAN's protocol: the checkpoint with the best validation
NLL gives the test NLL): for a model with a likelihood (`likelihood_kind`
'exact' or 'bound') `checkpoints_best/ckpt-<epoch>` holds the epoch with the
lowest validation NLL, `best_validation.json` names it (a resumed run keeps
the best so far), and `metrics.json`'s `best_validation` block gives its
epoch, validation NLL and the test figures at its weights.

Resume: `workdir/checkpoints/` holds `ckpt-<epoch>` (end of every epoch) and,
with `checkpoint_every_steps`, `checkpoints/steps/ckpt-<step>`; each holds the
model (weights, optimizers, counter variables such as the critic schedule's)
and the epoch and global-step counters. A rerun restores the newest of them
that reads completely (a partial or corrupt one is passed over, with a line
naming it and why; if none reads, `CheckpointError`), skips the batches
already seen (with `steps_per_epoch`, the data order and dequantization noise
then continue as in an uninterrupted run), reseeds the global RNG from
(seed, step), and ends after the same number of steps.
"""

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time

from absl import logging
import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan import callbacks as cb
from tfflowgan import strategy as strategy_lib
from tfflowgan.checkpoint import TracedCheckpoint
from tfflowgan.errors import CheckpointError, ConfigError, UserError
from tfflowgan.data import available_datasets, load_splits, make_batches
from tfflowgan.evaluation import final
from tfflowgan.paths import make_workdir, write_json


def _jsonable(value):
  if isinstance(value, str):  # e.g. log_zeta_logdet
    return value
  value = np.asarray(value)
  if value.ndim == 0:
    v = float(value)
    return v if math.isfinite(v) else str(v)
  return [_jsonable(v) for v in value]


STEP_KEY = "step/.ATTRIBUTES/VARIABLE_VALUE"


def checkpoint_step(path) -> int:
  """The global step saved in a checkpoint."""
  return int(tf.train.load_variable(path, STEP_KEY))


# What a missing, partial or corrupt checkpoint file raises when read.
READ_ERRORS = (tf.errors.OpError, IndexError, ValueError, OSError)


def _listed_checkpoints(workdir):
  """Every checkpoint the state files of `checkpoints/` and `checkpoints/steps/`
  name, most training steps first; one whose step does not read comes first."""
  paths = []
  for d in (("checkpoints",), ("checkpoints", "steps")):
    state = tf.train.get_checkpoint_state(os.path.join(workdir, *d))
    paths += list(state.all_model_checkpoint_paths) if state else []

  def steps(path):
    try:
      return checkpoint_step(path)
    except READ_ERRORS:
      return math.inf
  return sorted(paths, key=steps, reverse=True)


def read_error(path):
  """Why checkpoint `path` does not read (every tensor is read, which checks
  its checksum), or None."""
  try:
    reader = tf.train.load_checkpoint(path)
    for name in reader.get_variable_to_shape_map():
      reader.get_tensor(name)
  except READ_ERRORS as e:
    lines = (getattr(e, "message", None) or str(e) or type(e).__name__).splitlines()
    partial = ": a partial file" if isinstance(e, IndexError) else ""
    return lines[0].strip() + partial
  return None


def find_checkpoint(workdir):
  """(path, skipped): the checkpoint with the most training steps that reads
  completely, or None; skipped: [(path, reason)] of the newer ones that do not."""
  skipped = []
  for path in _listed_checkpoints(workdir):
    reason = read_error(path)
    if reason is None:
      return path, skipped
    skipped.append((path, reason))
  return None, skipped


def latest_checkpoint(workdir):
  """The checkpoint with the most training steps among `checkpoints/` and
  `checkpoints/steps/` that reads completely (newer unreadable ones are logged
  and passed over), or None."""
  path, skipped = find_checkpoint(workdir)
  for bad, reason in skipped:
    logging.warning("Skipped checkpoint %s: it does not read (%s)", bad, reason)
  return path


def optimizer_iterations(model):
  """{attribute: iterations} for every optimizer the model holds (not the
  unused default that `compile()` sets when the model has its own)."""
  out = {name: int(v.iterations.numpy()) for name, v in sorted(vars(model).items())
         if isinstance(v, keras.optimizers.Optimizer) and v.built}
  if out.get("optimizer") == 0 and len(out) > 1:
    del out["optimizer"]
  return out


def weights_checksum(model):
  """sha256 over every model variable's value (replicas must agree)."""
  digest = hashlib.sha256()
  for v in model.weights:
    digest.update(np.ascontiguousarray(v.numpy()).tobytes())
  return digest.hexdigest()


def _vector_logs(step):
  def wrapped(*args, **kwargs):
    return tf.nest.map_structure(lambda v: tf.reshape(v, [-1]), step(*args, **kwargs))
  return wrapped


def patch_multi_worker_logs(model):
  """Keras 3.15's fit/evaluate under MultiWorkerMirroredStrategy reduce the
  step's logs with `strategy.reduce(MEAN, v, axis=0)`, which fails on scalars
  ("Invalid reduction dimension 0"): the steps return them with shape [1]."""
  for name in ("train_step", "test_step", "critic_step"):
    if hasattr(model, name):
      setattr(model, name, _vector_logs(getattr(model, name)))


def _eval_batches(ds, spec, batch_size, seed, split=1):
  """Evaluation batches; with `split` > 1 (multi-worker) every batch divides
  evenly among the replicas (Keras 3.15 fails on uneven or empty shards), so
  the last n mod split examples are left out."""
  if split > 1:
    size = int(ds.cardinality())
    if size >= 0:
      ds = ds.take(size - size % split)
    batch_size = max(split, batch_size - batch_size % split)
  return make_batches(ds, spec, batch_size, training=False, seed=seed)


def load_data(dataset, seed, dataset_kwargs):
  """The data set's splits; a setting that does not fit raises `ConfigError`,
  missing or unusable data `DataError`."""
  if dataset not in available_datasets():
    raise ConfigError(f"train.dataset = {dataset!r} is unknown; available: "
                      f"{', '.join(available_datasets())}")
  try:
    return load_splits(dataset, seed=seed, **(dataset_kwargs or {}))
  except UserError:
    raise
  except (ValueError, TypeError) as e:
    raise ConfigError(f"train.dataset = {dataset!r} / train.dataset_kwargs = "
                      f"{dataset_kwargs!r}: {e}") from e


def _check_settings(splits, dataset, batch_size, replicas, steps_per_epoch,
                    checkpoint_every_steps):
  if not isinstance(batch_size, int) or batch_size < 1:
    raise ConfigError(f"train.batch_size must be a positive integer, got {batch_size!r}")
  size = int(splits.train.cardinality())
  if size >= 0 and batch_size > size:
    raise ConfigError(f"train.batch_size = {batch_size} is larger than the training "
                      f"set of {dataset!r} ({size} examples)")
  if batch_size % replicas:
    raise ConfigError(f"train.batch_size = {batch_size} must be divisible by the "
                      f"number of replicas ({replicas})")
  if checkpoint_every_steps and not steps_per_epoch:
    raise ConfigError("train.checkpoint_every_steps needs train.steps_per_epoch "
                      "(a step-exact resume point)")


def _check_execution(steps_per_execution, **every):
  """steps_per_execution must divide every step period, so that epochs,
  checkpoints, samples and scalars fall on the steps they name."""
  if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
    raise ConfigError("train.steps_per_execution must be a positive integer, got "
                      f"{steps_per_execution!r}")
  for name, period in every.items():
    if period and period % steps_per_execution:
      raise ConfigError(f"train.{name} = {period} must be a multiple of "
                        f"train.steps_per_execution = {steps_per_execution}")
  if steps_per_execution > 1 and not every["steps_per_epoch"]:
    raise ConfigError("train.steps_per_execution > 1 needs train.steps_per_epoch")


def _set_steps_per_execution(model, steps):
  """Sets Keras' steps per compiled call on a compiled model."""
  if steps == 1:
    return
  model.steps_per_execution, model.train_function = steps, None
  try:
    model.make_train_function()
  except ValueError as e:
    raise ConfigError(f"train.steps_per_execution = {steps}: {e}") from e


PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def set_precision(precision):
  """Sets Keras' global dtype policy (`train.precision`)."""
  if precision not in PRECISIONS:
    raise ConfigError(f"train.precision = {precision!r} is unknown; use one of "
                      f"{', '.join(map(repr, PRECISIONS))}")
  keras.mixed_precision.set_global_policy(precision)


def set_intra_op_threads(threads):
  """Threads each TensorFlow op may use (`train.intra_op_threads`; None: TF's
  default, every core). One thread suits small models: splitting an op on an
  8 x 8 image costs more than it saves, and independent ops still run side by
  side on the inter-op threads. The count is fixed once TF's runtime starts;
  later in the same process it stays as it is, with a warning."""
  if threads is None:
    return
  if not isinstance(threads, int) or threads < 1:
    raise ConfigError(f"train.intra_op_threads = {threads!r}: use a positive integer or None")
  try:
    tf.config.threading.set_intra_op_parallelism_threads(threads)
  except RuntimeError:
    if tf.config.threading.get_intra_op_parallelism_threads() != threads:
      logging.warning("train.intra_op_threads = %d not applied: TensorFlow's runtime already "
                      "started in this process", threads)


def build_model(model_builder, spec):
  try:
    return model_builder(spec)
  except ValueError as e:
    name = getattr(model_builder, "__name__", str(model_builder))
    raise ConfigError(f"train.model_builder = @{name}: {e}") from e


def _model_and_checkpoint(dist, strategy, model_builder, spec):
  """The model and the epoch / step counters, built in the strategy's scope,
  and the checkpoint that holds them (`TracedCheckpoint`: one traced write)."""
  with dist.scope():
    model = build_model(model_builder, spec)
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    step_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
  if strategy == "multi_worker":
    patch_multi_worker_logs(model)
  return model, TracedCheckpoint(model=model, epoch=epoch_var, step=step_var)


CRITIC_VALIDATION_LIMIT = 20000  # validation examples the independent critic trains on


def _critic_history(out, splits, every, steps, loss, step_var, seed):
  """`IndependentCriticHistory` on dequantized splits (validation: up to
  CRITIC_VALIDATION_LIMIT examples; train / test: the first 500), or None."""
  from tfflowgan.evaluation.independent_critic import CriticSettings  # pylint: disable=g-import-not-at-top
  if not isinstance(every, int) or every < 0:
    raise ConfigError(f"train.critic_every_epochs must be an integer >= 0, got {every!r}")
  if not every:
    return None
  if not isinstance(steps, int) or steps < 1:
    raise ConfigError(f"train.critic_steps must be an integer >= 1, got {steps!r}")
  if loss not in ("wgan", "wgan_gp"):
    raise ConfigError(f"train.critic_loss must be 'wgan' or 'wgan_gp', got {loss!r}")
  num_samples = 500

  def examples(split, limit, offset):
    ds = make_batches(split.take(limit), splits.spec, 500, training=False, seed=seed + offset)
    return np.concatenate([np.asarray(b) for b in ds])
  data = {"train": examples(splits.train, num_samples, 11),
          "validation": examples(splits.validation, CRITIC_VALIDATION_LIMIT, 12),
          "test": examples(splits.test, num_samples, 13)}
  settings = CriticSettings(loss=loss, steps=steps, seed=seed)
  return cb.IndependentCriticHistory(out, data, settings, every, num_samples, step_var=step_var,
                                     image=splits.spec.is_image)


def _pipelines(splits, dist, strategy, batch_size, eval_batch_size, steps_per_epoch, seed):
  """(train_batches(skip), validation batches, test batches)."""
  spec = splits.spec

  def train_batches(skip):
    ds = make_batches(splits.train, spec, batch_size, training=True, seed=seed,
                      repeat=steps_per_epoch is not None)
    # Same data order as an uninterrupted run: skip the batches already seen.
    return ds.skip(skip) if steps_per_epoch and skip else ds

  split = dist.num_replicas_in_sync if strategy == "multi_worker" else 1
  val_ds = _eval_batches(splits.validation, spec, eval_batch_size, seed + 1, split)
  test_ds = _eval_batches(splits.test, spec, eval_batch_size, seed + 2, split)
  # The same test batches again (a fresh pipeline's first pass has the noise of
  # test_ds's first): the best-validation weights are scored on the images the
  # final weights are.
  best_test_ds = _eval_batches(splits.test, spec, eval_batch_size, seed + 2, split)
  return train_batches, val_ds, test_ds, best_test_ds


def _restore(ckpt, workdir):
  """Restores the newest checkpoint of `workdir` that reads (workers read the
  chief's, on a shared disk) into `ckpt`, naming each newer one skipped;
  returns its path or None."""
  resumed, skipped = find_checkpoint(workdir)
  for path, reason in skipped:
    print(f"Skipped checkpoint {path}: it does not read ({reason})", flush=True)
  if skipped and not resumed:
    raise CheckpointError(
        f"no checkpoint of {workdir} reads ({', '.join(p for p, _ in skipped)} are "
        f"partial or corrupt); move {os.path.join(workdir, 'checkpoints')} aside to "
        "train from scratch, or pass another --workdir")
  if resumed:
    try:
      ckpt.restore(resumed).assert_existing_objects_matched()
    except (AssertionError, ValueError) as e:
      raise CheckpointError(
          f"checkpoint {resumed} does not fit the model of this config ("
          f"{str(e).strip().splitlines()[0]}); train with the config it was saved "
          "with, or pass another --workdir") from e
    print(f"Resumed from {resumed} (epoch {int(ckpt.epoch.numpy())}), "
          f"step {int(ckpt.step.numpy())}", flush=True)
  return resumed


def tracks_best_validation(model) -> bool:
  """Whether the runner keeps a best-validation checkpoint for `model`: only
  for an exact likelihood or a bound on it. An 'estimate' (one-way flows) has
  a validation NLL that uses the epoch's importance-sampled log zeta, not a
  figure comparable from epoch to epoch (nor a likelihood, README); 'none'
  logs no NLL."""
  return model.likelihood_kind in ("exact", "bound")


def _best_validation_callback(model, out, workdir, ckpt):
  if not tracks_best_validation(model):
    return None
  manager = tf.train.CheckpointManager(ckpt, os.path.join(out, "checkpoints_best"),
                                       max_to_keep=1)
  return cb.BestValidation(out, manager, ckpt, read_dir=workdir)


def _callbacks(out, spec, ckpt, keep, steps_per_epoch, num_samples, sample_every_epochs,
               checkpoint_every_steps, sample_every_steps, log_every_steps, val_ds,
               fid_every_epochs, fid_samples, best=None, critic=None):
  manager = tf.train.CheckpointManager(ckpt, os.path.join(out, "checkpoints"),
                                       max_to_keep=keep)
  step_manager = None
  if checkpoint_every_steps:
    step_manager = tf.train.CheckpointManager(
        ckpt, os.path.join(out, "checkpoints", "steps"), max_to_keep=keep)
  # FID and the independent critic come before TensorBoard and CSVLogger: those log their values.
  logged = [cb.fid_history(out, spec, val_ds, fid_every_epochs, fid_samples, ckpt.step)
            ] if fid_every_epochs else []
  logged += [critic] if critic is not None else []
  callbacks = [
      cb.NonFiniteGuard(lambda: latest_checkpoint(out), steps_per_epoch, ckpt.step),
      cb.StepCounter(ckpt.step, step_manager, checkpoint_every_steps, steps_per_epoch),
      *([best] if best is not None else []),  # before the epoch's checkpoint (resume)
      cb.CheckpointEachEpoch(manager, ckpt.epoch),
      *logged,
      keras.callbacks.TensorBoard(os.path.join(out, "tb"), update_freq="epoch"),
      keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
      cb.SampleImages(out, spec, num_samples, sample_every_epochs,
                      every_steps=sample_every_steps, step_var=ckpt.step),
  ]
  if log_every_steps:
    callbacks.append(cb.StepScalars(os.path.join(out, "tb", "steps"), ckpt.step,
                                    log_every_steps))
  return callbacks


def _phases(step0, epoch0, epochs, steps_per_epoch):
  """[(first_epoch, last_epoch, steps per epoch)]; a run resumed mid-epoch
  first finishes that epoch."""
  phases, initial_epoch = [], epoch0
  if steps_per_epoch:
    initial_epoch, done = divmod(step0, steps_per_epoch)
    if done and initial_epoch < epochs:
      phases.append((initial_epoch, initial_epoch + 1, steps_per_epoch - done))
      initial_epoch += 1
  if initial_epoch < epochs:
    phases.append((initial_epoch, epochs, steps_per_epoch))
  return phases


def _fit(model, train_batches, phases, step0, seed, resumed, val_ds, callbacks, verbose):
  """Runs the phases; returns the history. Pipelines are built before the
  reseed: tf.data combines the global seed with each op's seed."""
  datasets, skip = [], step0
  for first, last, steps in phases:
    datasets.append(train_batches(skip))
    skip += (last - first) * (steps or 0)
  if resumed:  # fresh draws for the model's own random ops, reproducibly
    tf.random.set_seed((seed * 1000003 + step0) % 2**31)
  history = {}
  for ds, (first, last, steps) in zip(datasets, phases):
    h = model.fit(ds, epochs=last, initial_epoch=first, steps_per_epoch=steps,
                  validation_data=val_ds, callbacks=callbacks, verbose=verbose).history
    for k, v in h.items():
      history.setdefault(k, []).extend(v)
  return history


def _evaluate(model, spec, dataset, epochs, ckpt, resumed, val_ds, test_ds, out):
  """metrics.json's figures: run facts, validation and test means, and the
  measurements of `evaluation.final`."""
  metrics = {"dataset": dataset, "num_dims": spec.num_dims, "levels": spec.levels,
             "precision": keras.mixed_precision.global_policy().name,
             "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or None,
             "epochs": epochs, "train_steps": int(ckpt.step.numpy()),
             "optimizer_iterations": optimizer_iterations(model),
             "resumed_from": resumed,
             "num_parameters": int(sum(np.prod(v.shape) for v in model.trainable_variables))}
  if model.energy is not None:  # the NLLs below with the final log zeta
    final.final_log_zeta(model)
  for name, ds in (("validation", val_ds), ("test", test_ds)):
    for key, value in model.evaluate(ds, verbose=0, return_dict=True).items():
      metrics[f"{name}_{key}"] = _jsonable(value)
  metrics.update({k: _jsonable(v) for k, v in final.final_metrics(model, test_ds, out).items()})
  return metrics


def best_validation_metrics(model, best, checkpoint, test_ds) -> dict:
  """metrics.json's `best_validation` block: the epoch, monitored validation
  NLL and checkpoint (relative to the workdir) of `best` (a `BestValidation`
  record), and the test figures (`model.evaluate`) at its weights, which are
  restored into `model` from `checkpoint`."""
  status = tf.train.Checkpoint(model=model).read(checkpoint)
  status.assert_existing_objects_matched().expect_partial()  # epoch, step: not needed
  block = {"epoch": best["epoch"], "checkpoint": best["checkpoint"],
           "monitor": best["monitor"],
           "validation_" + best["monitor"][len("val_"):]: best["value"]}
  for key, value in model.evaluate(test_ds, verbose=0, return_dict=True).items():
    block[f"test_{key}"] = _jsonable(value)
  return block


def _write_worker_record(dist, workdir, metrics, chief, model):
  task_type, task_id = strategy_lib.task(dist)
  if task_type is not None:  # every worker: its step count and weights checksum
    os.makedirs(os.path.join(workdir, "workers"), exist_ok=True)
    write_json(os.path.join(workdir, "workers", f"{task_type}_{task_id}.json"),
                {"train_steps": metrics["train_steps"], "chief": chief,
                 "weights_sha256": weights_checksum(model)})


@gin.configurable(denylist=["workdir"])
def train(workdir, dataset=gin.REQUIRED, model_builder=gin.REQUIRED, batch_size=64,
          epochs=10, steps_per_epoch=None, eval_batch_size=500, seed=0,
          strategy="default", dataset_kwargs=None, num_samples=64,
          sample_every_epochs=1, keep_checkpoints=3, verbose=None,
          checkpoint_every_steps=None, sample_every_steps=None, log_every_steps=None,
          steps_per_execution=1, fid_every_epochs=0, fid_samples=500, precision="float32",
          critic_every_epochs=0, critic_steps=100, critic_loss="wgan",
          intra_op_threads=None):
  """Trains `model_builder(spec)` on `dataset` and writes results to `workdir`.

  Returns the metrics dict also written to `workdir/metrics.json` (with
  `train_steps`, the global step count, and `optimizer_iterations`). Resumes
  from the latest checkpoint (module doc). Settings that cannot work raise
  `ConfigError` before training. checkpoint_every_steps / sample_every_steps /
  log_every_steps: also checkpoint, draw samples, write TensorBoard scalars
  every N global steps. steps_per_execution: train steps per compiled call
  (fewer host round trips for small models; step counts stay exact).
  fid_every_epochs: FID of `fid_samples` samples against the validation set
  every N epochs, in `fid_history.json` (`callbacks.FIDHistory`; 0: off).
  critic_every_epochs: every N epochs, `critic_steps` more updates of
  Danihelka et al.'s independent critic on validation data and its W_hat of
  train / validation / test, in `critic_history.json` and `.png`
  (`callbacks.IndependentCriticHistory`; `critic_loss` 'wgan': weight
  clipping as in the paper, or 'wgan_gp'; 0: off).
  precision: Keras' global dtype policy while the model is built and trained
  ('float32', 'mixed_bfloat16', 'mixed_float16'): networks compute in it,
  densities, losses and metrics stay float32 (`tfflowgan.precision`).
  intra_op_threads: threads per TensorFlow op (`set_intra_op_threads`).
  Multi-worker: only the chief writes to `workdir`.
  """
  if verbose is None:  # a progress bar on a terminal, one line per epoch in logs
    verbose = 1 if sys.stdout.isatty() else 2
  set_intra_op_threads(intra_op_threads)  # before the runtime starts
  try:  # first: MultiWorkerMirroredStrategy must start before other TF ops
    dist = strategy_lib.make_strategy(strategy)
  except ValueError as e:
    raise ConfigError(str(e)) from e
  chief = strategy_lib.is_chief(dist)
  out = make_workdir(workdir) if chief else tempfile.mkdtemp(prefix="tfflowgan_worker_")

  # Data, model, resume.
  set_precision(precision)
  keras.utils.set_random_seed(seed)
  splits = load_data(dataset, seed, dataset_kwargs)
  spec = splits.spec
  _check_settings(splits, dataset, batch_size, dist.num_replicas_in_sync,
                  steps_per_epoch, checkpoint_every_steps)
  _check_execution(steps_per_execution, steps_per_epoch=steps_per_epoch,
                   checkpoint_every_steps=checkpoint_every_steps,
                   sample_every_steps=sample_every_steps, log_every_steps=log_every_steps)
  model, ckpt = _model_and_checkpoint(dist, strategy, model_builder, spec)
  _set_steps_per_execution(model, steps_per_execution)
  resumed = _restore(ckpt, workdir)
  train_batches, val_ds, test_ds, best_test_ds = _pipelines(
      splits, dist, strategy, batch_size, eval_batch_size, steps_per_epoch, seed)

  # Fit.
  best = _best_validation_callback(model, out, workdir, ckpt)
  critic = _critic_history(out, splits, critic_every_epochs, critic_steps, critic_loss,
                           ckpt.step, seed)
  callbacks = _callbacks(out, spec, ckpt, keep_checkpoints, steps_per_epoch, num_samples,
                         sample_every_epochs, checkpoint_every_steps, sample_every_steps,
                         log_every_steps, val_ds, fid_every_epochs, fid_samples, best, critic)
  start, step0 = time.time(), int(ckpt.step.numpy())
  phases = _phases(step0, int(ckpt.epoch.numpy()), epochs, steps_per_epoch)
  history = _fit(model, train_batches, phases, step0, seed, resumed, val_ds, callbacks,
                 verbose)
  train_seconds = time.time() - start

  # Final evaluation and outputs.
  metrics = _evaluate(model, spec, dataset, epochs, ckpt, resumed, val_ds, test_ds, out)
  metrics["train_seconds"] = train_seconds
  metrics["history"] = {k: [_jsonable(v) for v in vs] for k, vs in history.items()}
  cb.save_samples(model, spec, os.path.join(out, "samples.png"), num_samples)
  _write_worker_record(dist, workdir, metrics, chief, model)  # the final weights
  if best is not None and best.best is not None:  # last: restores the best weights
    metrics["best_validation"] = best_validation_metrics(model, best.best,
                                                         best.best_checkpoint, best_test_ds)
  write_json(os.path.join(out, "metrics.json"), metrics)
  if not chief:
    shutil.rmtree(out, ignore_errors=True)
  summary = {k: v for k, v in metrics.items() if k.startswith("test_")}
  print("Test:", json.dumps(summary))
  return metrics
