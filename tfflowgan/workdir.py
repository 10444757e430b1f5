"""A finished or interrupted `training.train` run rebuilt from its workdir
(`paths.make_workdir` creates and checks workdirs)."""

import os

import gin

from tfflowgan.errors import CheckpointError, PathError
from tfflowgan.paths import make_workdir  # noqa: F401  (re-exported)


def latest_checkpoint(workdir):
  """The newest checkpoint of `workdir` that reads (`training.latest_checkpoint`);
  `CheckpointError` if there is none."""
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  path = training.latest_checkpoint(workdir)
  if path is None:
    raise CheckpointError(f"no checkpoint under {os.path.join(workdir, 'checkpoints')} "
                          "reads: train first, or pass --checkpoint")
  return path


def restore_workdir(workdir, checkpoint=None):
  """(model, spec, info): rebuilds a `train` run from `workdir/config.gin`
  (gin state replaced) and restores its latest (or the given) checkpoint;
  every model variable must be found in it. The model is built in float32
  whatever `train.precision` trained it (the checkpoint holds float32 master
  weights), so evaluation and export compute in float32."""
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfflowgan import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  config = os.path.join(workdir, "config.gin")
  if not os.path.isfile(config):
    raise PathError(f"{config} not found: is {workdir} a training workdir (written by "
                    "scripts/train.py)?")
  if checkpoint:
    check_checkpoint(checkpoint)
  else:
    checkpoint = latest_checkpoint(workdir)
  gin.clear_config()
  config_lib.parse([config])
  bindings = gin.get_bindings("train")
  splits = training.load_data(bindings["dataset"], bindings.get("seed", 0),
                              bindings.get("dataset_kwargs"))
  policy = keras.mixed_precision.global_policy()
  keras.mixed_precision.set_global_policy("float32")
  try:
    model = training.build_model(bindings["model_builder"], splits.spec)
  finally:
    keras.mixed_precision.set_global_policy(policy)
  tf.train.Checkpoint(model=model).restore(checkpoint).expect_partial() \
      .assert_existing_objects_matched()
  info = {"checkpoint": checkpoint, "dataset": bindings["dataset"],
          "step": training.checkpoint_step(checkpoint)}
  return model, splits.spec, info


def check_checkpoint(path):
  """Raises `CheckpointError` if checkpoint prefix `path` is missing or does not
  read (partial or corrupt), naming it."""
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  if not os.path.isfile(path + ".index"):
    folder = os.path.dirname(os.path.abspath(path))
    found = sorted(f[:-len(".index")] for f in os.listdir(folder)
                   if f.endswith(".index")) if os.path.isdir(folder) else []
    hint = (f"checkpoints in {folder}: {', '.join(found)}" if found else
            "give a checkpoint prefix such as WORKDIR/checkpoints/ckpt-10")
    raise CheckpointError(f"checkpoint {path!r} not found (no {path}.index); {hint}")
  reason = training.read_error(path)
  if reason:
    raise CheckpointError(f"checkpoint {path} does not read ({reason}); pass an "
                          "older one with --checkpoint")
