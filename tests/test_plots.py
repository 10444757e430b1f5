"""PNG helpers write files; the image grid has the expected pixel size."""

import matplotlib.pyplot as plt
import numpy as np

from tfflowgan.evaluation import plots


def test_image_grid_pixel_size(tmp_path):
  imgs = np.random.default_rng(0).uniform(size=(10, 8, 6, 1))
  path = plots.save_image_grid(imgs, str(tmp_path / "g.png"), nrow=4, pad=1)
  img = plt.imread(path)
  assert img.shape[:2] == (3 * 9 + 1, 4 * 7 + 1)  # 3 rows of (8+1), 4 cols of (6+1)
  rgb = plots.save_image_grid(np.zeros((4, 5, 5, 3)), str(tmp_path / "c.png"), nrow=2, pad=0)
  assert plt.imread(rgb).shape[:2] == (10, 10)


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
