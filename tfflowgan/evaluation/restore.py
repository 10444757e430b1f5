"""Rebuilding a trained model for evaluation: from a training workdir, or a
gin config plus a checkpoint.

`scripts/train.py` writes `DIR/config.gin` (the gin config it ran with) and
`DIR/checkpoints/` (`tf.train.Checkpoint(model=model, epoch=...)`). Here the
config is parsed again (after `gin.clear_config()`), the data splits are
loaded with `train`'s data set, seed and kwargs, `model_builder(spec)` builds
the model, and the checkpoint is restored into it. Every model variable must
be found in the checkpoint (an untrained model is never evaluated silently).
"""

import os
from typing import Optional, Sequence, Tuple

import gin
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan import workdir as workdir_lib
from tfflowgan.data import Splits
from tfflowgan.errors import PathError

def build_from_config(config_files: Sequence[str], bindings: Sequence[str] = ()):
  """(model, splits, train bindings) for gin config files; no weights restored.
  Bad settings raise `ConfigError`, missing or unusable data `DataError`."""
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  gin.clear_config()
  config_lib.parse(list(config_files), list(bindings))
  train_bindings = gin.get_bindings("train")
  if "model_builder" not in train_bindings or "dataset" not in train_bindings:
    raise config_lib.ConfigError(
        f"{config_files}: needs train.dataset and train.model_builder")
  splits = training.load_data(train_bindings["dataset"], train_bindings.get("seed", 0),
                              train_bindings.get("dataset_kwargs"))
  model = training.build_model(train_bindings["model_builder"], splits.spec)
  return model, splits, train_bindings


def latest_checkpoint(workdir: str) -> str:
  """The newest checkpoint of a workdir that reads, epoch or step
  (`training.latest_checkpoint`); `CheckpointError` if there is none."""
  return workdir_lib.latest_checkpoint(workdir)


def restore_checkpoint(model, path: str) -> int:
  """Restores `path` into `model` (as saved by `training.train`); returns its epoch."""
  epoch = tf.Variable(0, dtype=tf.int64)
  status = tf.train.Checkpoint(model=model, epoch=epoch).restore(path)
  status.assert_existing_objects_matched()
  return int(epoch.numpy())


def load_model(config_files: Sequence[str], checkpoint: str,
               bindings: Sequence[str] = ()) -> Tuple[object, Splits, dict]:
  """(model, splits, info) from config files and a checkpoint path (prefix);
  a missing or unreadable checkpoint raises `CheckpointError`."""
  workdir_lib.check_checkpoint(checkpoint)
  model, splits, train_bindings = build_from_config(config_files, bindings)
  epoch = restore_checkpoint(model, checkpoint)
  info = {"checkpoint": checkpoint, "epoch": epoch, "config": list(config_files),
          "dataset": train_bindings["dataset"], "seed": train_bindings.get("seed", 0)}
  return model, splits, info


def load_model_from_workdir(workdir: str, checkpoint: Optional[str] = None,
                            bindings: Sequence[str] = ()) -> Tuple[object, Splits]:
  """(model, splits) of a `scripts/train.py` workdir, latest checkpoint by default."""
  model, splits, _ = load_model_with_info(workdir, checkpoint, bindings)
  return model, splits


def load_model_with_info(workdir: str, checkpoint: Optional[str] = None,
                         bindings: Sequence[str] = ()):
  """As `load_model_from_workdir`, plus an info dict (checkpoint, epoch, data set)."""
  config = os.path.join(workdir, "config.gin")
  if not os.path.isfile(config):
    raise PathError(f"{config} not found: is {workdir} a training workdir (written by "
                    "scripts/train.py)?")
  return load_model([config], checkpoint or latest_checkpoint(workdir), bindings)
