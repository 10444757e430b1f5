"""The experiment runner behind `scripts/train.py`: data, model, fit, evaluate.

A gin config names the data set and a model builder (`model_builder(spec)`
returns a compiled Keras model with a custom `train_step`); `train` does the
rest: seeded pipelines, the distribution strategy, `model.fit` with a progress
display, TensorBoard logs, checkpoints that resume, sample grids, and a final
`metrics.json` with validation and test figures.
"""

import json
import math
import os
import sys
import time

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan import callbacks as cb
from tfflowgan.data import load_splits, make_batches
from tfflowgan.strategy import make_strategy


def _jsonable(value):
  value = np.asarray(value)
  if value.ndim == 0:
    v = float(value)
    return v if math.isfinite(v) else str(v)
  return [_jsonable(v) for v in value]


@gin.configurable(denylist=["workdir"])
def train(workdir, dataset=gin.REQUIRED, model_builder=gin.REQUIRED, batch_size=64,
          epochs=10, steps_per_epoch=None, eval_batch_size=500, seed=0,
          strategy="default", dataset_kwargs=None, num_samples=64,
          sample_every_epochs=1, keep_checkpoints=3, verbose=None):
  """Trains `model_builder(spec)` on `dataset` and writes results to `workdir`.

  Returns the metrics dict also written to `workdir/metrics.json`. Resumes from
  the latest checkpoint in `workdir/checkpoints` (the epoch counter included),
  so a restarted run ends after the same number of steps.
  """
  if verbose is None:  # a progress bar on a terminal, one line per epoch in logs
    verbose = 1 if sys.stdout.isatty() else 2
  os.makedirs(workdir, exist_ok=True)
  keras.utils.set_random_seed(seed)
  splits = load_splits(dataset, seed=seed, **(dataset_kwargs or {}))
  spec = splits.spec
  dist = make_strategy(strategy)
  with dist.scope():
    model = model_builder(spec)
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
  ckpt = tf.train.Checkpoint(model=model, epoch=epoch_var)
  manager = tf.train.CheckpointManager(ckpt, os.path.join(workdir, "checkpoints"),
                                       max_to_keep=keep_checkpoints)
  if manager.latest_checkpoint:
    ckpt.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    print(f"Resumed from {manager.latest_checkpoint} (epoch {int(epoch_var.numpy())})")
  initial_epoch = int(epoch_var.numpy())

  train_ds = make_batches(splits.train, spec, batch_size, training=True, seed=seed,
                          repeat=steps_per_epoch is not None)
  val_ds = make_batches(splits.validation, spec, eval_batch_size, training=False, seed=seed + 1)
  test_ds = make_batches(splits.test, spec, eval_batch_size, training=False, seed=seed + 2)
  if steps_per_epoch is not None and initial_epoch:
    # Same data order as an uninterrupted run: skip the batches already seen.
    train_ds = train_ds.skip(initial_epoch * steps_per_epoch)

  callbacks = [
      cb.NonFiniteGuard(manager, steps_per_epoch),
      cb.CheckpointEachEpoch(manager, epoch_var),
      keras.callbacks.TensorBoard(os.path.join(workdir, "tb"), update_freq="epoch"),
      keras.callbacks.CSVLogger(os.path.join(workdir, "history.csv"), append=True),
      cb.SampleImages(workdir, spec, num_samples, sample_every_epochs),
  ]
  start = time.time()
  history = {}
  if initial_epoch < epochs:
    history = model.fit(train_ds, epochs=epochs, initial_epoch=initial_epoch,
                        steps_per_epoch=steps_per_epoch, validation_data=val_ds,
                        callbacks=callbacks, verbose=verbose).history
  train_seconds = time.time() - start

  metrics = {"dataset": dataset, "num_dims": spec.num_dims, "levels": spec.levels,
             "epochs": epochs, "train_seconds": train_seconds,
             "num_parameters": int(sum(np.prod(v.shape) for v in model.trainable_variables))}
  for name, ds in (("validation", val_ds), ("test", test_ds)):
    for key, value in model.evaluate(ds, verbose=0, return_dict=True).items():
      metrics[f"{name}_{key}"] = _jsonable(value)
  if hasattr(model, "final_metrics"):
    metrics.update({k: _jsonable(v) for k, v in model.final_metrics(test_ds).items()})
  metrics["history"] = {k: [_jsonable(v) for v in vs] for k, vs in history.items()}
  cb.save_samples(model, spec, os.path.join(workdir, "samples.png"), num_samples)
  with open(os.path.join(workdir, "metrics.json"), "w") as f:
    json.dump(metrics, f, indent=2)
  summary = {k: v for k, v in metrics.items() if k.startswith("test_")}
  print("Test:", json.dumps(summary))
  return metrics
