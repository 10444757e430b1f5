"""Workdirs and output folders: created and checked for writing; JSON written
atomically."""

import json
import os
import tempfile

from tfflowgan.errors import PathError


def make_workdir(path, flag="--workdir"):
  """Creates `path` (and its parents) if needed and checks that a file can be
  written in it; else `PathError` naming it (as the script's `flag`). Returns
  `path`."""
  try:
    os.makedirs(path, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".write_test"):
      pass
  except OSError as e:
    why = "it is a file" if os.path.isfile(path) else e.strerror or str(e)
    raise PathError(f"cannot write to {flag} {path!r} ({why}); pass a {flag} in a "
                    "folder you can write to") from e
  return path


def write_json(path, data):
  """Atomic: a reader sees the old file or the complete new one."""
  tmp = f"{path}.tmp{os.getpid()}"
  with open(tmp, "w") as f:
    json.dump(data, f, indent=2)
  os.replace(tmp, path)
