"""Parsing gin configs with clear errors, and registering every configurable."""

import os

import gin


class ConfigError(ValueError):
  """A config file is missing, or a binding names an unknown setting."""


def register_all():
  """Imports every module that defines gin configurables or data sets."""
  import tfflowgan.data  # noqa: F401
  import tfflowgan.generators  # noqa: F401
  import tfflowgan.objectives  # noqa: F401
  import tfflowgan.training  # noqa: F401


def parse(config_files, bindings=()):
  """Parses gin files and bindings; raises `ConfigError` naming the problem."""
  register_all()
  for path in config_files:
    if not os.path.isfile(path):
      raise ConfigError(f"config file {path!r} does not exist")
  try:
    gin.parse_config_files_and_bindings(config_files, bindings)
  except (ValueError, KeyError, TypeError, SyntaxError) as e:
    raise ConfigError(str(e).strip().splitlines()[0] + " -- " + " ".join(
        str(e).split())) from e


def save_operative(workdir, fn):
  """Runs `fn` and writes gin's operative config next to the results."""
  os.makedirs(workdir, exist_ok=True)
  with open(os.path.join(workdir, "config.gin"), "w") as f:
    f.write(gin.config_str())
  result = fn()
  with open(os.path.join(workdir, "operative_config.gin"), "w") as f:
    f.write(gin.operative_config_str())
  return result
