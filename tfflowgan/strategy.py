"""Distribution strategies by name: 'default', 'mirrored', 'multi_worker'."""

import json
import os

import tensorflow as tf


def make_strategy(name: str = "default"):
  """'default': one device; 'mirrored': all local GPUs (or CPUs if split into
  logical devices); 'multi_worker': MultiWorkerMirroredStrategy from TF_CONFIG."""
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)
  if name == "multi_worker":
    if "TF_CONFIG" not in os.environ:
      raise ValueError("strategy='multi_worker' needs the TF_CONFIG environment "
                       "variable (cluster spec and this worker's task)")
    json.loads(os.environ["TF_CONFIG"])  # fail early on malformed JSON
    return tf.distribute.MultiWorkerMirroredStrategy()
  raise ValueError(f"strategy must be 'default', 'mirrored' or 'multi_worker', got {name!r}")
