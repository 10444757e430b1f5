"""celeba_folder: CelebA's own aligned JPEGs and list_eval_partition.txt,
cropped and resized as the celeb_a loader does (Danihelka et al. 2017, 2.3)."""

import logging
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfflowgan.data import load_splits
from tfflowgan.data.tfds_images import celeba_crop_resize
from tfflowgan.errors import DataError, DataNotFoundError

N = 12
H, W = 218, 178  # CelebA's aligned images: 178 wide, 218 high
TOP, LEFT = (H - 148) // 2, (W - 148) // 2
PARTITION = [0] * 8 + [1] * 2 + [2] * 2  # 000001-000008 train, 09-10 validation, 11-12 test


def _red(i):
  return 20 + 18 * i  # identifies image i in the outputs


def _image(i):
  """Blue outside the central 148x148; inside, red = _red(i), the left half
  green 200 and the right half green 60."""
  x = np.zeros((H, W, 3), np.uint8)
  x[..., 2] = 255
  centre = x[TOP:TOP + 148, LEFT:LEFT + 148]
  centre[...] = (_red(i), 200, 0)
  centre[:, 74:, 1] = 60
  return x


def _make(root, partition=True, image_dir="img_align_celeba"):
  folder = root / image_dir
  folder.mkdir(parents=True)
  for i in range(N):
    Image.fromarray(_image(i)).save(folder / f"{i + 1:06d}.jpg", quality=100, subsampling=0)
  if partition:
    (root / "list_eval_partition.txt").write_text(
        "".join(f"{i + 1:06d}.jpg {k}\n" for i, k in enumerate(PARTITION)))
  return folder


@pytest.fixture
def root(tmp_path):
  _make(tmp_path)
  return tmp_path


def _arrays(ds):
  return np.stack(list(ds.as_numpy_iterator()))


def _ids(x):
  """Which generated image each output is, from its mean red level."""
  ids = np.round((x[..., 0].mean(axis=(1, 2)) - 20) / 18).astype(int)
  np.testing.assert_allclose(x[..., 0].mean(axis=(1, 2)), [_red(i) for i in ids], atol=3)
  return sorted(ids)


def test_splits_follow_the_partition_file(root):
  s = load_splits("celeba_folder", root=str(root), flip=False)
  train, val, test = (_arrays(d) for d in s[:3])
  assert (len(train), len(val), len(test)) == (8, 2, 2)
  assert (_ids(train), _ids(val), _ids(test)) == (list(range(8)), [8, 9], [10, 11])


def test_crop_is_centred_and_shape_dtype_levels(root):
  s = load_splits("celeba_folder", root=str(root))
  x = _arrays(s.validation)
  assert s.spec.shape == (32, 32, 3) and s.spec.levels == 256 and s.spec.name == "celeba_folder"
  assert x.shape == (2, 32, 32, 3) and x.dtype == np.int32
  # Only the centre 148x148 is kept: no blue border on any side.
  assert x[..., 2].max() <= 12, x[..., 2].max(axis=(0, 2))
  # Not flipped: green 200 on the left half, 60 on the right.
  np.testing.assert_allclose(x[:, :, :15, 1], 200, atol=6)
  np.testing.assert_allclose(x[:, :, 17:, 1], 60, atol=6)


def test_same_pixels_as_the_celeb_a_transform(root):
  x = _arrays(load_splits("celeba_folder", root=str(root)).test)[0]
  image = tf.io.decode_jpeg(tf.io.read_file(str(root / "img_align_celeba" / "000011.jpg")))
  np.testing.assert_array_equal(x, celeba_crop_resize(image).numpy().astype(np.int32))


def test_flip_doubles_train_with_mirrored_copies_and_size(root):
  s = load_splits("celeba_folder", root=str(root), size=64)
  train = _arrays(s.train)
  assert s.spec.shape == (64, 64, 3) and train.shape == (16, 64, 64, 3)
  assert train.dtype == np.int32 and train.min() >= 0 and train.max() <= 255
  np.testing.assert_array_equal(train[8:], train[:8, :, ::-1])


def test_without_partition_file_a_seeded_split(tmp_path, caplog):
  _make(tmp_path, partition=False)
  with caplog.at_level(logging.WARNING):
    a = load_splits("celeba_folder", root=str(tmp_path), flip=False)
  assert "no list_eval_partition.txt" in caplog.text and "seeded split" in caplog.text
  ids = [_ids(_arrays(d)) for d in a[:3]]
  assert [len(i) for i in ids] == [10, 1, 1]  # 10% test, 10% validation
  assert sorted(sum(ids, [])) == list(range(N))
  b = load_splits("celeba_folder", root=str(tmp_path), flip=False, seed=7)
  assert [_ids(_arrays(d)) for d in b[:3]] == ids  # the training seed does not move it
  others = [[_ids(_arrays(d)) for d in load_splits(
      "celeba_folder", root=str(tmp_path), flip=False, split_seed=k)[1:3]] for k in (1, 2, 3)]
  assert any(o != ids[1:] for o in others)


def test_limit_takes_the_first_of_each_split(root):
  s = load_splits("celeba_folder", root=str(root), flip=False, limit=6)
  assert [_ids(_arrays(d)) for d in s[:3]] == [[0, 1, 2, 3], [8], [10]]


def test_truncated_or_missing_files_are_named_or_skipped(root, caplog):
  folder = root / "img_align_celeba"
  data = (folder / "000003.jpg").read_bytes()
  (folder / "000003.jpg").write_bytes(data[:len(data) // 2])
  os.remove(folder / "000012.jpg")
  with pytest.raises(DataError) as info:
    load_splits("celeba_folder", root=str(root))
  message = str(info.value)
  assert "2 of 12 image files" in message and "(10 read)" in message
  assert "000003.jpg (image file is truncated" in message and "000012.jpg (not in" in message
  with caplog.at_level(logging.WARNING):
    s = load_splits("celeba_folder", root=str(root), flip=False, skip_bad=True)
  assert "skipped 2 unreadable images of 12" in caplog.text
  assert [_ids(_arrays(d)) for d in s[:3]] == [[0, 1, 3, 4, 5, 6, 7], [8, 9], [10]]


def test_image_smaller_than_the_crop_is_named(root):
  Image.fromarray(np.zeros((100, 120, 3), np.uint8)).save(root / "img_align_celeba" / "000002.jpg")
  with pytest.raises(DataError, match=r"000002\.jpg \(120 x 100 pixels, smaller than the 148 x 148"):
    load_splits("celeba_folder", root=str(root))


def test_kaggle_layout_and_csv_partition(tmp_path):
  _make(tmp_path, partition=False, image_dir="img_align_celeba/img_align_celeba")
  (tmp_path / "list_eval_partition.csv").write_text("image_id,partition\n" + "".join(
      f"{i + 1:06d}.jpg,{k}\n" for i, k in enumerate(PARTITION)))
  s = load_splits("celeba_folder", root=str(tmp_path), flip=False)
  assert [len(_ids(_arrays(d))) for d in s[:3]] == [8, 2, 2]


def test_bad_root_or_partition_file_is_clear(tmp_path):
  with pytest.raises(DataNotFoundError, match="needs root="):
    load_splits("celeba_folder")
  with pytest.raises(DataNotFoundError, match="is not a folder"):
    load_splits("celeba_folder", root=str(tmp_path / "missing"))
  with pytest.raises(DataNotFoundError, match="no JPEG/PNG images"):
    load_splits("celeba_folder", root=str(tmp_path))
  _make(tmp_path)
  (tmp_path / "list_eval_partition.txt").write_text("000001.jpg 0\n000002.jpg train\n")
  with pytest.raises(DataError, match="line 2: expected '<file> <0|1|2>'"):
    load_splits("celeba_folder", root=str(tmp_path))
