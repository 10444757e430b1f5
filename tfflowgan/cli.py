"""What the scripts share: a `UserError` ends the run with one line on stderr,
"<label>: <message>" and exit status 1; --debug or TFFLOWGAN_DEBUG=1 shows
the full traceback instead."""

import os
import sys

from absl import flags

from tfflowgan.errors import UserError, one_line

DEBUG_ENV = "TFFLOWGAN_DEBUG"
flags.DEFINE_bool("debug", False, f"full traceback of a user error (also {DEBUG_ENV}=1).")


def debugging() -> bool:
  """True with --debug or TFFLOWGAN_DEBUG set to anything but '' or '0'."""
  return flags.FLAGS.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def run(fn, *args):
  """Returns `fn(*args)`; a `UserError` exits with its one line (re-raised
  when debugging)."""
  try:
    return fn(*args)
  except UserError as e:
    if debugging():
      raise
    sys.exit(one_line(e))
