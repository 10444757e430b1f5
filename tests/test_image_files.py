"""Image folders: unreadable files are named at load time, or skipped and
counted with skip_bad; mixed shapes are a clear error."""

import logging

import numpy as np
import pytest
from PIL import Image

from tfflowgan.data import load_splits
from tfflowgan.errors import DataError

N = 50


def _arrays(splits):
  return np.concatenate([np.stack(list(d.as_numpy_iterator())) for d in splits[:3]])


def _rows(x):
  return sorted(r.astype(np.int32).tobytes() for r in x)


def _truncate(path):
  data = path.read_bytes()
  path.write_bytes(data[:len(data) // 2])


@pytest.fixture
def folder(tmp_path):
  """N random 5x5 RGB PNGs 000.png ... and their pixels."""
  imgs = np.random.RandomState(0).randint(0, 256, size=(N, 5, 5, 3)).astype(np.uint8)
  path = tmp_path / "faces"
  path.mkdir()
  for i, im in enumerate(imgs):
    Image.fromarray(im).save(path / f"{i:03d}.png")
  return path, imgs


def test_truncated_png_is_named_before_training(folder):
  path, _ = folder
  _truncate(path / "017.png")
  with pytest.raises(DataError) as info:
    load_splits("images", path=str(path))
  message = str(info.value)
  assert "017.png" in message and "truncated" in message
  assert f"1 of {N} image files" in message and f"({N - 1} read)" in message
  assert "skip_bad=True" in message
  assert isinstance(info.value, ValueError)  # the runner reports it as a ConfigError


def test_skip_bad_loads_the_rest_and_logs_the_count(folder, caplog):
  path, imgs = folder
  _truncate(path / "017.png")
  with caplog.at_level(logging.WARNING):
    s = load_splits("images", path=str(path), skip_bad=True)
  assert _rows(_arrays(s)) == _rows(np.delete(imgs, 17, axis=0))
  assert f"skipped 1 unreadable image of {N} in {path}: 017.png" in caplog.text


def test_every_unreadable_file_is_listed(folder):
  path, _ = folder
  _truncate(path / "003.png")
  (path / "notes.png").write_text("not an image")
  with pytest.raises(DataError, match=rf"2 of {N + 1} image files .*003\.png .*notes\.png"):
    load_splits("images", path=str(path))
  s = load_splits("images", path=str(path), skip_bad=True)
  assert len(_arrays(s)) == N - 1


def test_nothing_readable_is_an_error_even_with_skip_bad(tmp_path):
  (tmp_path / "a.png").write_bytes(b"")
  (tmp_path / "b.jpg").write_text("text")
  with pytest.raises(DataError, match="2 of 2 image files"):
    load_splits("images", path=str(tmp_path), skip_bad=True)


def test_mixed_shapes_name_each_shape_and_count(folder):
  path, _ = folder
  for name in ("010.png", "020.png"):
    Image.fromarray(np.zeros((8, 7, 3), np.uint8)).save(path / name)
  with pytest.raises(DataError) as info:
    load_splits("images", path=str(path))
  message = str(info.value)
  assert f"(5, 5, 3) in {N - 2} file(s), e.g. 000.png" in message
  assert "(8, 7, 3) in 2 file(s), e.g. 010.png" in message and "resize=(H, W)" in message
  s = load_splits("images", path=str(path), resize=(5, 5))
  assert s.spec.shape == (5, 5, 3) and len(_arrays(s)) == N
