"""Errors the library raises for user input, each with a message that says what to fix.

Every one is a `UserError`: the scripts print it as one line, "<label>: <message>"
(the traceback with --debug or TFFLOWGAN_DEBUG=1).
"""


class UserError(Exception):
  """Input the user can fix (config, data, paths); the message names it and how."""
  label = "Error"


class ConfigError(UserError, ValueError):
  """A config file is missing, a binding names an unknown setting, or a
  setting cannot work (raised before training starts)."""
  label = "Config error"


class DataError(UserError, ValueError):
  """Data that cannot be used: an unreadable image file, images of different
  shapes, levels outside [0, levels - 1], too few examples."""
  label = "Data error"


class DataNotFoundError(DataError, FileNotFoundError):
  """A data set that is missing or not prepared (a TFDS set without network)."""


class PathError(UserError, OSError):
  """A workdir that cannot be written, or that is not a training workdir."""
  label = "Path error"


class CheckpointError(UserError, FileNotFoundError):
  """No checkpoint to restore: missing, or none of a workdir's checkpoints reads."""
  label = "Checkpoint error"


def one_line(error) -> str:
  """"<label>: <message>" on one line, without gin's "In call to configurable" lines."""
  lines = [l.strip() for l in str(error).splitlines()
           if l.strip() and "In call to configurable" not in l]
  return f"{getattr(error, 'label', 'Error')}: {' '.join(lines)}"
