"""The user's own images: a folder of PNG/JPEG files, or an `.npz` array.

Registered as `images`: `load_splits('images', path=..., levels=256)`. Images
must all have one shape (or give `resize=(H, W)`); `.npz` files hold uint8 or
integer arrays under `images` (or the first key), optional `test_images`
(a `.npy` file: the images). Unreadable or unusable data raises `DataError`.
"""

import os
import zipfile

import numpy as np

from tfflowgan.data.arrays import splits_from_arrays
from tfflowgan.data.image_files import PIL_READ_ERRORS, image_names, read_pil, report_unreadable
from tfflowgan.data.registry import register_dataset
from tfflowgan.data.spec import DataSpec
from tfflowgan.errors import DataError, DataNotFoundError


def _check_one_shape(arrays: dict, path: str):
  """Raises a `DataError` listing each shape with its file count when the
  images in `path` differ in shape."""
  by_shape = {}
  for name, arr in arrays.items():
    by_shape.setdefault(arr.shape, []).append(name)
  if len(by_shape) > 1:
    shapes = sorted(by_shape.items(), key=lambda kv: -len(kv[1]))
    parts = "; ".join(f"{shape} in {len(names)} file(s), e.g. {names[0]}"
                      for shape, names in shapes)
    raise DataError(f"images in {path} differ in shape [H, W, C]: {parts}; pass "
                    f"resize=(H, W) (gin: train.dataset_kwargs = {{..., 'resize': "
                    f"(H, W)}}) or remove the odd ones")


def read_folder(path: str, resize=None, grayscale: bool = False,
                skip_bad: bool = False) -> np.ndarray:
  """Reads every PNG/JPEG in `path` (sorted by name) into [N, H, W, C] uint8.

  Every file is decoded here, before training: an unreadable one raises a
  `DataError` naming it, or with `skip_bad` is left out and counted in a
  warning (`image_files.report_unreadable`).
  """
  names = image_names(path)
  if not names:
    raise DataNotFoundError(f"No PNG/JPEG images in {path!r}")
  arrays, bad = {}, []
  for name in names:
    try:
      arrays[name] = read_pil(os.path.join(path, name), resize, grayscale)
    except PIL_READ_ERRORS as e:
      bad.append((name, str(e)))
  report_unreadable(bad, len(names), path, skip_bad)
  _check_one_shape(arrays, path)
  return np.stack(list(arrays.values()))


def _read_npz(path: str):
  """(images, test_images or None) from an `.npz` file (`images` or its first
  key, optional `test_images`) or an `.npy` file (the images); else `DataError`."""
  try:
    loaded = np.load(path, allow_pickle=False)
    if isinstance(loaded, np.ndarray):
      return loaded, None
    with loaded as f:
      keys = list(f.keys())
      images = f["images"] if "images" in keys else f[keys[0]]
      test_images = f["test_images"] if "test_images" in keys else None
  except (OSError, ValueError, EOFError, IndexError, zipfile.BadZipFile) as e:
    raise DataError(f"dataset 'images': {path} is not a readable .npz/.npy array "
                    f"file ({e}); save the images with np.savez(path, images=...)") from e
  return images, test_images


@register_dataset("images")
def load_user_images(seed: int = 0, path: str = "", levels: int = 256,
                     resize=None, grayscale: bool = False,
                     test_fraction: float = 0.1, validation_fraction: float = 0.1,
                     split_seed: int = 0, skip_bad: bool = False):
  del seed
  if not path:
    raise ValueError("dataset 'images' needs path=<folder of PNG/JPEG or .npz file>")
  if not os.path.exists(path):
    raise DataNotFoundError(f"dataset 'images': {path!r} does not exist; bind "
                            "train.dataset_kwargs = {'path': <folder or .npz file>}")
  test_images = None
  if os.path.isdir(path):
    images = read_folder(path, resize=resize, grayscale=grayscale,
                         skip_bad=skip_bad)
  else:
    images, test_images = _read_npz(path)
    if images.ndim == 3:
      images = images[..., None]
      if test_images is not None:
        test_images = test_images[..., None]
  if images.ndim != 4:
    raise DataError(f"dataset 'images': {path}: expected [N, H, W, C] images, got "
                    f"shape {images.shape}")
  n = len(images)
  spec = DataSpec(os.path.basename(os.path.normpath(path)), images.shape[1:], levels)
  return splits_from_arrays(images, spec, num_test=int(n * test_fraction),
                            num_validation=int(n * validation_fraction),
                            split_seed=split_seed, test_images=test_images)
