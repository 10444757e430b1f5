"""Parsing gin configs with clear errors, and registering every configurable."""

import os

import gin

from tfflowgan.errors import ConfigError  # noqa: F401  (raised here, caught by scripts)
from tfflowgan.paths import make_workdir


def error_message(error) -> str:
  """A config error's message without gin's "In call to configurable" lines."""
  return "\n".join(l for l in str(error).splitlines() if "In call to configurable" not in l)


def register_all():
  """Imports every module that defines gin configurables or data sets."""
  import tfflowgan.data  # noqa: F401
  import tfflowgan.generators  # noqa: F401
  import tfflowgan.objectives  # noqa: F401
  import tfflowgan.training  # noqa: F401


def parse(config_files, bindings=()):
  """Parses gin files and bindings; raises `ConfigError` naming the problem."""
  for path in config_files:  # before the (slow) TensorFlow imports
    if not os.path.isfile(path):
      raise ConfigError(f"config file {path!r} does not exist (relative paths start in "
                        f"{os.getcwd()}; the configs are in configs/)")
  register_all()
  try:
    gin.parse_config_files_and_bindings(config_files, bindings)
  except (ValueError, KeyError, TypeError, SyntaxError) as e:
    raise ConfigError(str(e).strip().splitlines()[0] + " -- " + " ".join(
        str(e).split())) from e


def _writes_results():
  """False on a non-chief worker of a multi-worker run (it writes nothing)."""
  from tfflowgan import strategy
  try:
    name = gin.query_parameter("train.strategy")
  except ValueError:
    return True
  return name != "multi_worker" or strategy.chief_from_tf_config()


def save_operative(workdir, fn):
  """Runs `fn` and writes gin's config (before) and operative config (after)
  next to the results (`PathError` if `workdir` cannot be written)."""
  write = _writes_results()
  if write:
    make_workdir(workdir)
    with open(os.path.join(workdir, "config.gin"), "w") as f:
      f.write(gin.config_str())
  result = fn()
  if write:
    with open(os.path.join(workdir, "operative_config.gin"), "w") as f:
      f.write(gin.operative_config_str())
  return result
