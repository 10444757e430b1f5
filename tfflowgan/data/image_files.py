"""Image files decoded at load time, before training starts.

A truncated, corrupt or non-image file raises a `DataError` naming it; with
`skip_bad=True` it is left out and counted in a warning ("skipped 1 unreadable
image of 300 in ...: name (why)").
"""

import os
from typing import List, Sequence, Tuple

import numpy as np
from absl import logging

from tfflowgan.errors import DataError

IMAGE_EXTS = (".png", ".jpg", ".jpeg")
# What PIL raises for truncated, corrupt or non-image files (UnidentifiedImageError
# is an OSError; broken PNG chunks raise SyntaxError).
PIL_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
_LISTED = 5  # unreadable files named in a message


def image_names(folder: str) -> List[str]:
  """PNG/JPEG file names in `folder`, sorted."""
  return sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTS))


def read_pil(path: str, resize=None, grayscale: bool = False) -> np.ndarray:
  """One file as [H, W, C] uint8 (RGB, or L with `grayscale`); raises PIL's errors."""
  from PIL import Image
  with Image.open(path) as im:
    im = im.convert("L" if grayscale else "RGB")
    if resize is not None:
      im = im.resize((resize[1], resize[0]), Image.BILINEAR)
    arr = np.asarray(im, dtype=np.uint8)
  return arr[..., None] if arr.ndim == 2 else arr


def _listing(bad: Sequence[Tuple[str, str]]) -> str:
  shown = ", ".join(f"{name} ({why})" for name, why in bad[:_LISTED])
  more = len(bad) - _LISTED
  return shown + (f" and {more} more" if more > 0 else "")


def report_unreadable(bad: Sequence[Tuple[str, str]], total: int, where: str,
                      skip_bad: bool):
  """Raises a `DataError` naming the `bad` [(file name, reason)] among `total`
  files in `where`; with `skip_bad`, logs their count and names instead (an
  error still if no file could be read)."""
  if not bad:
    return
  n = len(bad)
  if skip_bad and n < total:
    logging.warning("skipped %d unreadable image%s of %d in %s: %s", n,
                    "" if n == 1 else "s", total, where, _listing(bad))
    return
  hint = ("" if skip_bad else "; replace or delete the file(s), or skip them with "
          "skip_bad=True (gin: train.dataset_kwargs = {..., 'skip_bad': True})")
  raise DataError(f"{n} of {total} image files in {where} cannot be read "
                  f"({total - n} read): {_listing(bad)}{hint}")
