"""Splits from in-memory integer arrays, with a deterministic permutation."""

from typing import Optional

import numpy as np
import tensorflow as tf

from tfflowgan.data.registry import Splits
from tfflowgan.data.spec import DataSpec
from tfflowgan.errors import DataError


def check_levels(images: np.ndarray, levels: int, what: str) -> np.ndarray:
  """Validates integer images in [0, levels - 1] and returns them as int32
  (else `DataError`)."""
  images = np.asarray(images)
  if not np.issubdtype(images.dtype, np.integer):
    if not np.all(np.equal(np.mod(images, 1), 0)):
      raise DataError(f"{what}: expected integer levels, got dtype {images.dtype} "
                      "with fractional values; quantize first (e.g. round(255 x) "
                      "for values in [0, 1])")
  if images.size and (images.min() < 0 or images.max() > levels - 1):
    raise DataError(f"{what}: levels must lie in [0, {levels - 1}], got range "
                    f"[{images.min()}, {images.max()}]; rescale the images, or give "
                    f"their number of levels (dataset 'images': 'levels': "
                    f"{int(images.max()) + 1} in train.dataset_kwargs)")
  return images.astype(np.int32)


def splits_from_arrays(images: np.ndarray, spec: DataSpec, num_test: int,
                       num_validation: int, split_seed: int = 0,
                       test_images: Optional[np.ndarray] = None) -> Splits:
  """Deterministic train/validation/test splits of [N, *shape] int arrays.

  The permutation uses `split_seed` only, so the splits never depend on the
  training seed. If `test_images` is given, `num_test` is ignored and the
  validation set is taken from `images`.
  """
  images = check_levels(images, spec.levels, spec.name)
  if images.shape[1:] != tuple(spec.shape):
    raise DataError(f"{spec.name}: expected examples of shape {spec.shape}, got "
                    f"{images.shape[1:]}")
  order = np.random.RandomState(split_seed).permutation(len(images))
  images = images[order]
  if test_images is None:
    if num_test + num_validation >= len(images):
      raise DataError(f"{spec.name}: {len(images)} examples cannot hold "
                      f"{num_test} test + {num_validation} validation; add images "
                      "or lower test_fraction / validation_fraction")
    test, images = images[:num_test], images[num_test:]
  else:
    test = check_levels(test_images, spec.levels, spec.name + " test")
  validation, train = images[:num_validation], images[num_validation:]
  make = tf.data.Dataset.from_tensor_slices
  return Splits(make(train), make(validation), make(test), spec)
