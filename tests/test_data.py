"""Data: deterministic splits, dequantization bins, user images, TFDS loaders."""

import os
import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from tfflowgan.data import load_splits, make_batches, quantize, dequantize
from tfflowgan.data.tfds_images import DataNotFoundError


def _arrays(ds):
  return np.stack(list(ds.as_numpy_iterator()))


def test_digits_splits_are_deterministic_and_disjoint():
  a, b = load_splits("digits", seed=0), load_splits("digits", seed=5)
  assert a.spec.shape == (8, 8, 1) and a.spec.levels == 17
  train, val, test = (_arrays(d) for d in a[:3])
  assert (len(train), len(val), len(test)) == (1300, 200, 297)
  np.testing.assert_array_equal(train, _arrays(b.train))  # seed does not move splits
  assert train.dtype == np.int32 and train.min() >= 0 and train.max() <= 16
  rows = lambda x: {r.tobytes() for r in x}
  # sklearn digits has a few duplicate images; splits may share those, no more.
  assert len(rows(test) & rows(train)) <= 3


def test_lfw_quantized_to_256_levels_and_cropped():
  s = load_splits("lfw", crop=24)
  x = _arrays(s.train)
  assert s.spec.shape == (24, 24, 1) and s.spec.levels == 256
  assert x.max() <= 255 and x.min() >= 0 and len(x) == 160


def test_dequantization_stays_in_each_bin():
  k = tf.constant(np.arange(17, dtype=np.int32).reshape(1, 17))
  y = dequantize(k, 17, seed=tf.constant([1, 2])).numpy()
  assert np.all(y >= k.numpy() / 17) and np.all(y < (k.numpy() + 1) / 17)
  np.testing.assert_array_equal(quantize(y, 17).numpy(), k.numpy())


def test_batches_are_fresh_noise_each_epoch_but_reproducible():
  s = load_splits("digits")
  ds = make_batches(s.validation, s.spec, 50, training=False, seed=3)
  first, second = [next(iter(ds)).numpy() for _ in range(2)]
  assert first.shape == (50, 8, 8, 1)
  assert not np.allclose(first, second)  # new noise per pass
  again = next(iter(make_batches(s.validation, s.spec, 50, training=False, seed=3))).numpy()
  np.testing.assert_array_equal(first, again)  # same seed, same stream
  np.testing.assert_array_equal(quantize(first, 17).numpy()[..., 0],
                                _arrays(s.validation)[:50, ..., 0])


def test_batches_run_without_autotuning():
  """No tf.data optimisation thread (`pipeline.without_autotune`), for
  training and evaluation pipelines alike."""
  s = load_splits("digits")
  for training in (True, False):
    ds = make_batches(s.train, s.spec, 50, training=training, seed=0, repeat=training)
    assert ds.options().autotune.enabled is False


def test_user_images_folder_and_npz(tmp_path):
  from PIL import Image
  rng = np.random.RandomState(0)
  imgs = rng.randint(0, 256, size=(20, 6, 6, 3)).astype(np.uint8)
  folder = tmp_path / "faces"
  folder.mkdir()
  for i, im in enumerate(imgs):
    Image.fromarray(im).save(folder / f"{i:03d}.png")
  s = load_splits("images", path=str(folder))
  assert s.spec.shape == (6, 6, 3)
  got = np.concatenate([_arrays(d) for d in s[:3]])
  assert sorted(r.astype(np.int32).tobytes() for r in got) == sorted(
      r.astype(np.int32).tobytes() for r in imgs)
  np.savez(tmp_path / "a.npz", images=imgs[..., 0])
  s = load_splits("images", path=str(tmp_path / "a.npz"))
  assert s.spec.shape == (6, 6, 1)


def test_bad_user_data_gives_clear_errors(tmp_path):
  with pytest.raises(FileNotFoundError, match="does not exist"):
    load_splits("images", path=str(tmp_path / "missing"))
  (tmp_path / "empty").mkdir()
  with pytest.raises(FileNotFoundError, match="No PNG/JPEG"):
    load_splits("images", path=str(tmp_path / "empty"))
  np.savez(tmp_path / "bad.npz", images=np.full((10, 4, 4), 300))
  with pytest.raises(ValueError, match=r"levels must lie in \[0, 255\]"):
    load_splits("images", path=str(tmp_path / "bad.npz"))
  np.savez(tmp_path / "frac.npz", images=np.full((10, 4, 4), 0.5))
  with pytest.raises(ValueError, match="integer levels"):
    load_splits("images", path=str(tmp_path / "frac.npz"))
  with pytest.raises(ValueError, match="Unknown dataset 'nope'"):
    load_splits("nope")


@pytest.mark.parametrize("name,shape", [("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3)),
                                        ("celeb_a", (32, 32, 3))])
def test_tfds_loaders_with_mock_data(name, shape):
  with tfds.testing.mock_data(num_examples=4):
    s = load_splits(name)
    x = _arrays(s.train.take(2))
  assert s.spec.shape == shape and s.spec.levels == 256
  assert x.shape[1:] == shape and x.dtype == np.int32
  assert x.min() >= 0 and x.max() <= 255


def test_tfds_without_data_fails_fast_and_clearly(tmp_path):
  start = time.time()
  with pytest.raises(DataNotFoundError) as info:
    load_splits("mnist", data_dir=str(tmp_path))
  assert time.time() - start < 10
  message = str(info.value)
  assert "not prepared" in message and str(tmp_path) in message and "data_dir" in message
