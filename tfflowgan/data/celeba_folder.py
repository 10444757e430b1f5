"""CelebA from its own files: the aligned JPEGs and the published partition.

Registered as `celeba_folder`: `load_splits('celeba_folder', root=...)`, where
`root` holds `img_align_celeba/` (also found as `img_align_celeba/img_align_celeba/`
or `Img/img_align_celeba/`) and `list_eval_partition.txt` (lines `000001.jpg 0`:
0 train, 1 validation, 2 test; also `Eval/list_eval_partition.txt`, or the
`.csv` with an `image_id,partition` header). Without the partition file the
split is seeded (`split_seed`; `test_fraction`, `validation_fraction`).

Images as the `celeb_a` loader makes them (Danihelka et al. 2017, sec. 2.3; the
one-way flows' CelebA): centre crop 148x148, area resize to 32x32 (`size`), 256
levels, [size, size, 3] int32, the training set doubled by horizontal flips
(`flip`); decoded by TF and cropped by the same `celeba_crop_resize`. Every file
is decoded at load time, so an unreadable one stops the load with its name
(or with `skip_bad=True` is skipped and counted). `limit`: about that many
images in all, the first of each split, for a quick subset.
"""

import os
import re
from typing import Dict, List, Optional

import numpy as np
import tensorflow as tf
from absl import logging

from tfflowgan.data.image_files import (PIL_READ_ERRORS, image_names, read_pil,
                                        report_unreadable)
from tfflowgan.data.registry import Splits, register_dataset
from tfflowgan.data.spec import DataSpec
from tfflowgan.data.tfds_images import celeba_crop_resize
from tfflowgan.errors import DataError, DataNotFoundError

IMAGE_DIRS = ("img_align_celeba", os.path.join("img_align_celeba", "img_align_celeba"),
              os.path.join("Img", "img_align_celeba"))
PARTITION_FILES = ("list_eval_partition.txt", os.path.join("Eval", "list_eval_partition.txt"),
                   "list_eval_partition.csv")
SPLITS = ("train", "validation", "test")


def find_image_dir(root: str) -> str:
  """The folder of CelebA images under `root`, or `DataNotFoundError`."""
  if not os.path.isdir(root):
    raise DataNotFoundError(f"dataset 'celeba_folder': root {root!r} is not a folder; "
                            "bind train.dataset_kwargs = {'root': '/path/to/celeba'}")
  for sub in IMAGE_DIRS:
    folder = os.path.join(root, sub)
    if os.path.isdir(folder) and image_names(folder):
      return folder
  raise DataNotFoundError(f"dataset 'celeba_folder': no JPEG/PNG images in any of "
                          f"{', '.join(IMAGE_DIRS)} under {root!r}")


def find_partition_file(root: str) -> Optional[str]:
  for name in PARTITION_FILES:
    path = os.path.join(root, name)
    if os.path.isfile(path):
      return path
  return None


def read_partition(path: str) -> Dict[str, int]:
  """{file name: 0 train / 1 validation / 2 test} from `list_eval_partition`
  (`000001.jpg 0` lines, or `000001.jpg,0` after a csv header)."""
  out = {}
  with open(path) as f:
    for i, line in enumerate(f, 1):
      fields = line.replace(",", " ").split()
      if not fields or (i == 1 and fields[-1] == "partition"):
        continue
      if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
        raise DataError(f"{path}, line {i}: expected '<file> <0|1|2>', got "
                        f"{line.strip()!r}")
      out[fields[0]] = int(fields[1])
  if not out:
    raise DataError(f"{path} lists no images")
  return out


def seeded_split(names: List[str], split_seed: int, test_fraction: float,
                 validation_fraction: float) -> List[List[str]]:
  """[train, validation, test] names from a permutation fixed by `split_seed`."""
  n = len(names)
  num_test, num_val = int(n * test_fraction), int(n * validation_fraction)
  if num_test < 1 or num_val < 1 or num_test + num_val >= n:
    raise DataError(f"dataset 'celeba_folder': {n} images cannot hold {num_test} test "
                    f"+ {num_val} validation (at least one each, and some to train); "
                    "add images, change test_fraction / validation_fraction, or add "
                    "list_eval_partition.txt")
  order = [names[i] for i in np.random.RandomState(split_seed).permutation(n)]
  test, val, train = (order[:num_test], order[num_test:num_test + num_val],
                      order[num_test + num_val:])
  return [sorted(train), sorted(val), sorted(test)]


def take_subset(splits: List[List[str]], limit: Optional[int]) -> List[List[str]]:
  """The first names of each split, in proportion to its size, about `limit` in all."""
  total = sum(len(s) for s in splits)
  if limit is None or limit >= total:
    return splits
  if limit < 1:
    raise DataError(f"dataset 'celeba_folder': limit must be a positive number of "
                    f"images, got {limit}")
  return [s[:max(1, round(limit * len(s) / total))] if s else s for s in splits]


def _decode(path, crop: int, size: int):
  image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
  return tf.cast(celeba_crop_resize(image, crop, size), tf.uint8)


def _why(path: str, crop: int, size: int) -> str:
  """Why `path` cannot be read, on one short line: PIL's words if PIL fails too
  ("image file is truncated"), else TF's error."""
  try:
    h, w, _ = read_pil(path).shape
  except PIL_READ_ERRORS as e:
    return str(e)
  if h < crop or w < crop:
    return f"{w} x {h} pixels, smaller than the {crop} x {crop} crop"
  try:
    _decode(tf.constant(path), crop, size)
  except (tf.errors.OpError, ValueError) as e:
    message = getattr(e, "message", str(e))
    message = re.sub(r"\{\{.*?\}\}\s*|\s*\[Op:\w+\].*", "", message, flags=re.S)
    return message.strip().splitlines()[0] if message.strip() else type(e).__name__
  return "not decodable"


def read_images(folder: str, names: List[str], crop: int, size: int):
  """(images [N, size, size, 3] uint8, [(name, reason)] of the unreadable files),
  decoded in parallel by tf.data; a failing file is dropped and named."""
  paths = [os.path.join(folder, n) for n in names]
  ds = tf.data.Dataset.from_tensor_slices(tf.constant(paths, tf.string))
  ds = ds.map(lambda p: (p, _decode(p, crop, size)), num_parallel_calls=tf.data.AUTOTUNE)
  got, images = set(), []
  for p, x in ds.ignore_errors().batch(1024).as_numpy_iterator():
    got.update(os.path.basename(q.decode()) for q in p)
    images.append(x)
  bad = [(n, _why(os.path.join(folder, n), crop, size)) for n in names if n not in got]
  images = np.concatenate(images) if images else np.zeros((0, size, size, 3), np.uint8)
  return images, bad


def _split_names(root: str, folder: str, split_seed: int, test_fraction: float,
                 validation_fraction: float):
  """[train, validation, test] file names: the published partition if its file
  is under `root` (images it does not list are left out), else a seeded split."""
  names = image_names(folder)
  partition_file = find_partition_file(root)
  if partition_file is None:
    logging.warning("celeba_folder: no list_eval_partition.txt in %s; a seeded split "
                    "(split_seed %d), not the published one", root, split_seed)
    return seeded_split(names, split_seed, test_fraction, validation_fraction)
  partition = read_partition(partition_file)
  present = set(names)
  extra = len(present - set(partition))
  if extra:
    logging.warning("celeba_folder: %d image(s) in %s not in %s are left out", extra,
                    folder, partition_file)
  return [sorted(n for n, k in partition.items() if k == split) for split in range(3)]


@register_dataset("celeba_folder")
def load_celeba_folder(seed: int = 0, root: str = "", size: int = 32, crop: int = 148,
                       flip: bool = True, limit: Optional[int] = None,
                       skip_bad: bool = False, split_seed: int = 0,
                       test_fraction: float = 0.1, validation_fraction: float = 0.1):
  del seed  # Splits are the published ones, or fixed by split_seed alone.
  if not root:
    raise DataNotFoundError("dataset 'celeba_folder' needs root=<folder holding "
                            "img_align_celeba/ and list_eval_partition.txt>")
  folder = find_image_dir(root)
  splits = take_subset(_split_names(root, folder, split_seed, test_fraction,
                                    validation_fraction), limit)
  present = set(os.listdir(folder))
  wanted = [n for s in splits for n in s]
  missing = [(n, f"not in {folder}") for n in wanted if n not in present]
  images, bad = read_images(folder, [n for n in wanted if n in present], crop, size)
  bad = missing + bad
  report_unreadable(bad, len(wanted), folder, skip_bad)
  dropped = {n for n, _ in bad}
  index = {n: i for i, n in enumerate(n for n in wanted if n not in dropped)}
  parts = []
  for split, names in zip(SPLITS, splits):
    rows = [index[n] for n in names if n not in dropped]
    if not rows:
      raise DataError(f"dataset 'celeba_folder': the {split} split of {folder} is empty")
    ds = tf.data.Dataset.from_tensor_slices(images[rows]).map(
        lambda x: tf.cast(x, tf.int32))
    parts.append(ds)
  train, validation, test = parts
  if flip:
    train = train.concatenate(train.map(tf.image.flip_left_right))
  return Splits(train, validation, test, DataSpec("celeba_folder", (size, size, 3), 256))
