"""PNG helpers write files; image grids: pixel size, gaps, nearest-neighbour
upscaling of small images, the same grid in TensorBoard."""

import glob

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from tfflowgan import callbacks
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import plots

Q = 0.5 / 255  # 8-bit PNG quantization: round(255 v)


def test_image_grid_pixel_size(tmp_path):
  imgs = np.random.default_rng(0).uniform(size=(10, 8, 6, 1))
  path = plots.save_image_grid(imgs, str(tmp_path / "g.png"), nrow=4, pad=1)
  img = plt.imread(path)
  # factor ceil(32 / 6) = 6: 48 x 36 images; 3 rows of (48+1), 4 cols of (36+1).
  assert img.shape[:2] == (3 * 49 + 1, 4 * 37 + 1)
  rgb = plots.save_image_grid(np.zeros((4, 5, 5, 3)), str(tmp_path / "c.png"), nrow=2,
                              pad=0, min_size=1)
  assert plt.imread(rgb).shape[:2] == (10, 10)


def test_digits_grid_upscaled_with_gaps(tmp_path):
  imgs = np.random.default_rng(1).uniform(size=(64, 8, 8, 1)).astype(np.float32)
  k = 4  # 8 * 4 = 32
  grid = plots.image_grid(imgs, nrow=8)
  assert grid.shape == ((8 * k) * 8 + 9, (8 * k) * 8 + 9, 1)
  png = plt.imread(plots.save_image_grid(imgs, str(tmp_path / "d.png"), nrow=8))
  assert png.shape[:2] == grid.shape[:2]
  # Gaps: the outer border and the pixel line between image 0 and image 1.
  for g in (grid[..., 0], png[..., 0]):
    np.testing.assert_allclose(g[0, :], plots.BACKGROUND, atol=Q)
    np.testing.assert_allclose(g[:, 1 + 8 * k], plots.BACKGROUND, atol=Q)
    np.testing.assert_allclose(g[1 + 8 * k, :], plots.BACKGROUND, atol=Q)
  # Image 9 (row 1, column 1): each pixel a k x k block of the original.
  r0 = c0 = 1 + (8 * k + 1)
  expected = np.kron(imgs[9, ..., 0], np.ones((k, k)))
  np.testing.assert_array_equal(grid[r0:r0 + 8 * k, c0:c0 + 8 * k, 0], expected)
  np.testing.assert_allclose(png[r0:r0 + 8 * k, c0:c0 + 8 * k, 0], expected, atol=Q)
  assert (png[..., 0] == png[..., 1]).all() and (png[..., 0] == png[..., 2]).all()  # gray


def test_large_images_not_upscaled():
  imgs = np.random.default_rng(2).uniform(size=(3, 32, 40, 3)).astype(np.float32)
  assert plots.upscale(imgs) is imgs
  grid = plots.image_grid(imgs, nrow=2)
  assert grid.shape == (2 * 33 + 1, 2 * 41 + 1, 3)
  np.testing.assert_array_equal(grid[1:33, 42:82], imgs[1])
  np.testing.assert_array_equal(grid[34:66, 42:82], plots.BACKGROUND)  # empty cell
  # The smaller side sets the factor: 8 x 20 -> 32 x 80.
  assert plots.upscale(np.zeros((1, 8, 20, 1))).shape == (1, 32, 80, 1)


class _Model:
  def sample(self, num, seed=None):
    del seed
    return np.random.default_rng(3).uniform(size=(num, 8, 8, 1)).astype(np.float32)


def test_sample_images_png_and_tensorboard_grid(tmp_path):
  cb = callbacks.SampleImages(str(tmp_path), DataSpec("digits", (8, 8, 1), 17), num=64)
  cb.set_model(_Model())
  cb.on_epoch_end(0)
  png = plt.imread(str(tmp_path / "samples" / "epoch_0001.png"))
  assert png.shape[:2] == (265, 265)
  events = glob.glob(str(tmp_path / "tb" / "samples" / "events.*"))
  images = [v for e in tf.compat.v1.train.summary_iterator(events[0])
            for v in e.summary.value if v.tag == "samples"]
  assert len(images) == 1
  w, h, *encoded = images[0].tensor.string_val
  assert (int(w), int(h), len(encoded)) == (265, 265, 1)
  tb = tf.io.decode_png(encoded[0]).numpy() / 255.0
  np.testing.assert_allclose(tb[..., 0], callbacks.sample_grid(_Model().sample(64))[..., 0],
                             atol=1 / 255)  # tf.summary.image's own 8-bit conversion


def test_other_plots_written(tmp_path):
  rng = np.random.default_rng(1)
  for p in [plots.save_scatter_2d(rng.normal(size=(100, 2)), str(tmp_path / "s.png"),
                                  reference=np.eye(2)),
            plots.save_histogram({"a": rng.normal(size=50), "b": np.r_[1.0, np.inf]},
                                 str(tmp_path / "h.png"), "nll"),
            plots.save_curve_with_errorbars([0.02, 0.05, 0.1], [28.6, 5.85, 3.4],
                                            [0.1, 0.1, 0.1], str(tmp_path / "e.png"),
                                            xlabel="sigma", log_x=True)]:
    assert (tmp_path / p.split("/")[-1]).stat().st_size > 1000
