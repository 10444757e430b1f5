"""Distribution strategies by name: 'default', 'mirrored', 'multi_worker'.

Multi-worker training (docs/serving.md): every worker runs the same command
with its own `TF_CONFIG`; all of them train in sync, only the chief writes
checkpoints and results (`is_chief`), the others write to a temporary folder.
"""

import json
import os

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker")


def make_strategy(name: str = "default"):
  """'default': one device; 'mirrored': all local GPUs (or CPUs if split into
  logical devices); 'multi_worker': MultiWorkerMirroredStrategy from TF_CONFIG
  (create it before any other TensorFlow op runs)."""
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)
  if name == "multi_worker":
    tf_config = parse_tf_config()
    if not tf_config.get("cluster") or not tf_config.get("task"):
      raise ValueError("strategy='multi_worker': TF_CONFIG needs 'cluster' and 'task'")
    return tf.distribute.MultiWorkerMirroredStrategy()
  raise ValueError(f"train.strategy must be one of {', '.join(map(repr, STRATEGIES))}, "
                   f"got {name!r}")


def parse_tf_config():
  """The TF_CONFIG environment variable as a dict; clear errors if missing or malformed."""
  if "TF_CONFIG" not in os.environ:
    raise ValueError("strategy='multi_worker' needs the TF_CONFIG environment "
                     "variable (cluster spec and this worker's task)")
  try:
    return json.loads(os.environ["TF_CONFIG"])
  except json.JSONDecodeError as e:
    raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from e


def task(strategy):
  """(task_type, task_id) of this process; (None, 0) outside a cluster."""
  resolver = getattr(strategy, "cluster_resolver", None)
  if resolver is None or not resolver.task_type:
    return None, 0
  return resolver.task_type, int(resolver.task_id or 0)


def is_chief(strategy) -> bool:
  """True for the process that writes checkpoints and results: the 'chief'
  task, else worker 0 of a cluster without one, else the only process."""
  task_type, task_id = task(strategy)
  if task_type in (None, "chief"):
    return True
  cluster = strategy.cluster_resolver.cluster_spec().as_dict()
  return task_type == "worker" and task_id == 0 and "chief" not in cluster


def chief_from_tf_config() -> bool:
  """`is_chief` from TF_CONFIG alone (before the strategy exists)."""
  if "TF_CONFIG" not in os.environ:
    return True
  config = parse_tf_config()
  task_type = config.get("task", {}).get("type")
  if task_type in (None, "chief"):
    return True
  return (task_type == "worker" and int(config["task"].get("index", 0)) == 0
          and "chief" not in config.get("cluster", {}))
