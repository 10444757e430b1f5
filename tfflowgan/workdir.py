"""A finished or interrupted `training.train` run, rebuilt from its workdir."""

import os

import gin
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan import training


def restore_workdir(workdir, checkpoint=None):
  """(model, spec, info): rebuilds a `train` run from `workdir/config.gin`
  (gin state replaced) and restores its latest (or the given) checkpoint;
  every model variable must be found in it."""
  config = os.path.join(workdir, "config.gin")
  if not os.path.isfile(config):
    raise FileNotFoundError(f"{config} not found: is {workdir} a training workdir?")
  checkpoint = checkpoint or training.latest_checkpoint(workdir)
  if not checkpoint:
    raise FileNotFoundError(f"no checkpoint under {os.path.join(workdir, 'checkpoints')}")
  gin.clear_config()
  config_lib.parse([config])
  bindings = gin.get_bindings("train")
  splits = training.load_data(bindings["dataset"], bindings.get("seed", 0),
                              bindings.get("dataset_kwargs"))
  model = training.build_model(bindings["model_builder"], splits.spec)
  tf.train.Checkpoint(model=model).restore(checkpoint).expect_partial() \
      .assert_existing_objects_matched()
  info = {"checkpoint": checkpoint, "dataset": bindings["dataset"],
          "step": training.checkpoint_step(checkpoint)}
  return model, splits.spec, info
