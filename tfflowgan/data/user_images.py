"""The user's own images: a folder of PNG/JPEG files, or an `.npz` array.

Registered as `images`: `load_splits('images', path=..., levels=256)`. Images
must all have one shape (or give `resize=(H, W)`); `.npz` files hold uint8 or
integer arrays under `images` (or the first key), optional `test_images`.
"""

import os

import numpy as np

from tfflowgan.data.arrays import splits_from_arrays
from tfflowgan.data.registry import register_dataset
from tfflowgan.data.spec import DataSpec

_IMAGE_EXTS = (".png", ".jpg", ".jpeg")


def read_folder(path: str, resize=None, grayscale: bool = False) -> np.ndarray:
  """Reads every PNG/JPEG in `path` (sorted by name) into [N, H, W, C] uint8."""
  from PIL import Image
  names = sorted(f for f in os.listdir(path) if f.lower().endswith(_IMAGE_EXTS))
  if not names:
    raise FileNotFoundError(f"No PNG/JPEG images in {path!r}")
  out = []
  for name in names:
    with Image.open(os.path.join(path, name)) as im:
      im = im.convert("L" if grayscale else "RGB")
      if resize is not None:
        im = im.resize((resize[1], resize[0]), Image.BILINEAR)
      arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim == 2:
      arr = arr[..., None]
    if out and arr.shape != out[0].shape:
      raise ValueError(f"{name}: shape {arr.shape} differs from {out[0].shape} of "
                       f"{names[0]}; pass resize=(H, W)")
    out.append(arr)
  return np.stack(out)


@register_dataset("images")
def load_user_images(seed: int = 0, path: str = "", levels: int = 256,
                     resize=None, grayscale: bool = False,
                     test_fraction: float = 0.1, validation_fraction: float = 0.1,
                     split_seed: int = 0):
  del seed
  if not path:
    raise ValueError("dataset 'images' needs path=<folder of PNG/JPEG or .npz file>")
  if not os.path.exists(path):
    raise FileNotFoundError(f"dataset 'images': {path!r} does not exist")
  test_images = None
  if os.path.isdir(path):
    images = read_folder(path, resize=resize, grayscale=grayscale)
  else:
    with np.load(path) as f:
      keys = list(f.keys())
      images = f["images"] if "images" in keys else f[keys[0]]
      test_images = f["test_images"] if "test_images" in keys else None
    if images.ndim == 3:
      images = images[..., None]
      if test_images is not None:
        test_images = test_images[..., None]
  if images.ndim != 4:
    raise ValueError(f"dataset 'images': expected [N, H, W, C] images, got shape "
                     f"{images.shape}")
  n = len(images)
  spec = DataSpec(os.path.basename(os.path.normpath(path)), images.shape[1:], levels)
  return splits_from_arrays(images, spec, num_test=int(n * test_fraction),
                            num_validation=int(n * validation_fraction),
                            split_seed=split_seed, test_images=test_images)
