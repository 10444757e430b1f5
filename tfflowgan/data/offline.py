"""Real image data that ships inside packages: no download needed.

- `digits`: scikit-learn's 1797 handwritten digits, 8x8, 17 levels (0..16).
  Split: 297 test, 200 validation, 1300 train (fixed permutation).
- `lfw`: scikit-image's `lfw_subset`, 200 images of 25x25 in [0, 1],
  quantized to 256 levels (round(255 x)); optional centre crop (e.g. 24, so
  that squeeze can halve it). Split: 20 test, 20 validation, 160 train.
"""

import numpy as np

from tfflowgan.data.arrays import splits_from_arrays
from tfflowgan.data.registry import register_dataset
from tfflowgan.data.spec import DataSpec


def digits_arrays():
  """(images [1797, 8, 8, 1] int32 in 0..16, labels [1797])."""
  from sklearn.datasets import load_digits
  d = load_digits()
  return d.images.astype(np.int32)[..., None], d.target.astype(np.int32)


@register_dataset("digits")
def load_digits(seed: int = 0, split_seed: int = 0):
  del seed  # Splits are fixed by split_seed alone.
  images, _ = digits_arrays()
  spec = DataSpec("digits", (8, 8, 1), levels=17)
  return splits_from_arrays(images, spec, num_test=297, num_validation=200,
                            split_seed=split_seed)


@register_dataset("lfw")
def load_lfw(seed: int = 0, split_seed: int = 0, crop: int = 25):
  del seed
  from skimage.data import lfw_subset
  images = np.round(lfw_subset() * 255.0).astype(np.int32)[..., None]
  if not 0 < crop <= 25:
    raise ValueError(f"lfw: crop must be in 1..25, got {crop}")
  start = (25 - crop) // 2
  images = images[:, start:start + crop, start:start + crop]
  spec = DataSpec("lfw", (crop, crop, 1), levels=256)
  return splits_from_arrays(images, spec, num_test=20, num_validation=20,
                            split_seed=split_seed)
