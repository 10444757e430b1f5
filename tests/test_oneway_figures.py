"""Ben-Dov et al.'s one-way flow figures (Fig. 2(b), 3, 4, 7, 8) from the
suite's oneway stage on a tiny untrained digits model, the train / test
overlap statistics, labelled grids and the generated samples as levels."""

import functools
import json

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.data import load_splits
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import oneway_figures as owf
from tfflowgan.evaluation import plots, suite
from tfflowgan.generators.oneway_networks import dcgan_network
from tfflowgan.objectives.oneway import oneway_model

Q = 0.5 / 255  # 8-bit PNG quantization
LATENT = 16
CFG = dict(stages=("oneway",), max_examples=300, num_samples=100,
           oneway_sample_sizes=(1, 10, 100), oneway_repeats=3)


def _brute_force_ks(a, b):
  t = np.concatenate([a, b])[:, None]
  return np.max(np.abs((a[None] <= t).mean(1) - (b[None] <= t).mean(1)))


def test_ks_statistic_against_brute_force_scipy_and_closed_cases():
  rng = np.random.default_rng(0)
  for a, b in [(rng.normal(size=50), rng.normal(0.3, 1.5, size=80)),
               (np.round(rng.normal(size=40)), np.round(rng.normal(size=25)))]:  # ties
    np.testing.assert_allclose(owf.ks_statistic(a, b), _brute_force_ks(a, b), atol=1e-12)
    try:
      from scipy.stats import ks_2samp  # pylint: disable=g-import-not-at-top
    except ImportError:
      continue
    np.testing.assert_allclose(owf.ks_statistic(a, b), ks_2samp(a, b).statistic, atol=1e-12)
  x = rng.normal(size=30)
  assert owf.ks_statistic(x, x.copy()) == 0.0
  assert owf.ks_statistic(x, x + 100.0) == 1.0
  assert owf.ks_statistic([0.0, 1.0], [0.5]) == 0.5


def test_standardized_mean_difference_and_overlap():
  # means 1 and 3, variances 1 and 1: -2 pooled stds; at t = 2, F = 1 and 1/2.
  assert owf.standardized_mean_difference([0.0, 2.0], [2.0, 4.0]) == -2.0
  out = owf.train_test_overlap([0.0, 2.0, np.inf], [2.0, 4.0, np.nan])
  assert out == {"ks_statistic": 0.5, "mean_difference_in_pooled_std": -2.0,
                 "num_train": 2, "num_test": 2}


def test_labelled_grid_draws_images_one_to_one_with_labels(tmp_path):
  imgs = np.random.default_rng(1).uniform(size=(5, 8, 8, 1)).astype(np.float32)
  path = plots.save_labelled_image_grid(imgs, ["1.5", "-2", "3", "4", "5"],
                                        str(tmp_path / "l.png"), nrow=3, min_size=48,
                                        title="t")
  png = plt.imread(path)[..., :3]
  k, cell = 6, 48 + plots.LABEL_HEIGHT + 1  # 8 * 6 = 48
  assert png.shape == (plots.TITLE_HEIGHT + 2 * cell + 1, 3 * 49 + 1, 3)
  for i in range(5):
    r, c = divmod(i, 3)
    top = plots.TITLE_HEIGHT + 1 + r * cell
    left = 1 + c * 49
    strip = png[top:top + plots.LABEL_HEIGHT, left:left + 48, 0]
    assert strip.min() < 0.5 and strip.max() == 1.0  # text on white
    image = png[top + plots.LABEL_HEIGHT:top + cell - 1, left:left + 48, 0]
    np.testing.assert_allclose(image, np.kron(imgs[i, ..., 0], np.ones((k, k))), atol=Q)
  empty = png[plots.TITLE_HEIGHT + 1 + cell:, 1 + 2 * 49:2 * 49 + 49, 0]
  np.testing.assert_allclose(empty, plots.BACKGROUND, atol=Q)


def test_generated_images_saved_as_levels(tmp_path):
  spec = DataSpec("digits", (8, 8, 1), 17)
  edges = np.array([0.0, 1.0, 1 / 17, 1 / 17 - 1e-4, 16 / 17, 0.5], np.float32)

  class Model:  # any model with images: only `sample` is used
    def sample(self, n, seed=None):
      x = tf.random.stateless_uniform([n, 8, 8, 1], seed=seed).numpy()
      x.reshape(n, -1)[0, :edges.size] = edges
      return x

  splits = load_splits("digits")
  ctx = suite.Context(Model(), splits, str(tmp_path), suite.SuiteConfig(num_samples=30,
                                                                       max_examples=10))
  x = ctx.generated()
  saved = np.load(tmp_path / "eval" / suite.GENERATED_FILE)
  k = saved["samples"]
  assert k.dtype == np.uint8 and k.shape == x.shape and int(saved["levels"]) == 17
  np.testing.assert_array_equal(k, np.clip(np.floor(x * np.float32(17)), 0, 16))
  assert k.reshape(30, -1)[0, :edges.size].tolist() == [0, 16, 1, 0, 16, 8]
  assert ctx.generated_file == str(tmp_path / "eval" / suite.GENERATED_FILE)
  assert suite.Context(Model(), load_splits("ring", num_train=10, num_validation=5,
                                            num_test=5),
                       str(tmp_path / "2d"), suite.SuiteConfig()).generated_file is None


@pytest.fixture(scope="module")
def run(tmp_path_factory):
  """A tiny untrained one-way digits model and its oneway stage."""
  keras.utils.set_random_seed(0)
  splits = load_splits("digits")
  model = oneway_model(splits.spec, generator=functools.partial(dcgan_network, base_filters=8),
                       critic=functools.partial(dcgan_critic, base_filters=8),
                       latent_dim=LATENT, logdet="jvp", num_eval_zeta_samples=16,
                       eval_logdet_samples=1)
  out = tmp_path_factory.mktemp("oneway_digits")
  ev = suite.run_suite(model, splits, str(out), suite.SuiteConfig(**CFG), log=lambda s: None)
  assert ev["errors"] == {}, ev["errors"]
  arrays = dict(np.load(out / "eval" / owf.ARRAYS_FILE))
  return model, splits, out, ev, arrays


def _g(model, z, r):
  return np.clip(model.generator(tf.concat([z, r], -1), training=False).numpy(), 0, 1)


def test_pngs_are_grids_of_the_drawn_images(run):
  _, _, out, ev, arrays = run
  figs = ev["oneway"]["figures"]
  names = ["log_zeta_vs_samples", "discriminator_histogram", "oneway_sorted_by_discriminator",
           "oneway_interpolations", "oneway_noise_variations"]
  assert [f.split("/")[-1] for f in figs] == [f"{n}.png" for n in names]
  for name in names[:2]:
    assert plt.imread(str(out / "eval" / f"{name}.png")).shape[:2] == (400, 600)
  sorted_png = plt.imread(figs[2])
  cell = plots.LABEL_HEIGHT + 56 + 1  # 8x8 drawn at 56 (owf.SCORED_MIN_SIDE)
  assert sorted_png.shape[:2] == (plots.TITLE_HEIGHT + 8 * cell + 1, 8 * 57 + 1)
  top = plots.TITLE_HEIGHT + 1 + plots.LABEL_HEIGHT
  np.testing.assert_allclose(sorted_png[top:top + 56, 1:57, 0],
                             np.kron(arrays["sorted_images"][0, ..., 0], np.ones((7, 7))),
                             atol=Q)
  for name, key in (("interpolations", "interpolation_images"),
                    ("noise_variations", "noise_variation_images")):
    png = plt.imread(str(out / "eval" / f"oneway_{name}.png"))
    assert png.shape[:2] == (8 * 33 + 1, 10 * 33 + 1)  # 8 rows, 10 columns at 32x32
    r0, c0 = 1 + 2 * 33, 1 + 3 * 33  # row 2, column 3
    np.testing.assert_allclose(png[r0:r0 + 32, c0:c0 + 32, 0],
                               np.kron(arrays[key][2, 3, ..., 0], np.ones((4, 4))), atol=Q)


def test_log_zeta_curve_and_overlap_in_eval_json(run):
  model, splits, out, ev, _ = run
  saved = json.load(open(out / "eval.json"))["oneway"]
  curve = saved["log_zeta_curves"]["generator"]
  values = np.array(curve["values"])
  assert curve["num_samples"] == [1, 10, 100] and values.shape == (3, 3)
  np.testing.assert_allclose(curve["mean"], values.mean(1), rtol=1e-6)
  np.testing.assert_allclose(curve["std"], values.std(1), rtol=1e-6, atol=1e-9)
  # With exact log-dets beside the Jv (K = 1) curve: one-direction estimates
  # over-state log|det J| (Jensen), so they under-state log P_G and over-state zeta.
  exact = saved["log_zeta_curves"]["generator, exact log-dets"]
  assert exact["num_samples"] == curve["num_samples"]
  assert np.all(np.array(exact["mean"]) < np.array(curve["mean"]))
  data = suite.Context(model, splits, str(out / "again"), suite.SuiteConfig(**CFG)).data
  e = {k: model.energy_numpy(data[k]) for k in ("train", "test")}
  overlap = saved["discriminator_train_vs_test"]
  np.testing.assert_allclose(overlap["ks_statistic"], _brute_force_ks(e["train"], e["test"]),
                             atol=1e-6)
  np.testing.assert_allclose(
      overlap["mean_difference_in_pooled_std"],
      (e["train"].mean() - e["test"].mean()) / np.sqrt(0.5 * (e["train"].var()
                                                              + e["test"].var())),
      rtol=1e-3)


def test_sorted_samples_descend_in_discriminator_score(run):
  model, _, out, ev, arrays = run
  x = arrays["sorted_images"]
  scores = model.energy_numpy(x)
  assert x.shape == (64, 8, 8, 1)
  np.testing.assert_allclose(scores, arrays["sorted_scores"], rtol=1e-4, atol=1e-6)
  assert np.all(np.diff(scores) <= 1e-6) and scores[0] > scores[-1]
  entry = ev["oneway"]["image_figures"]["sorted_by_discriminator"]
  np.testing.assert_allclose(entry["scores"], arrays["sorted_scores"])
  # The Fig. 4 samples are the scored set's first 64, at `indices`.
  levels = np.load(out / "eval" / suite.GENERATED_FILE)["samples"]
  assert sorted(entry["indices"]) == list(range(64))
  np.testing.assert_array_equal(levels[entry["indices"]],
                                np.clip(np.floor(x * np.float32(17)), 0, 16))


def test_interpolation_rows_join_the_generator_images_at_two_latents(run):
  model, _, _, _, arrays = run
  z0, z1, r = (arrays[f"interpolation_{k}"] for k in ("z0", "z1", "noise"))
  images, t = arrays["interpolation_images"], arrays["interpolation_weights"]
  assert images.shape == (8, 10, 8, 8, 1) and z0.shape == (8, LATENT)
  assert r.shape == (8, 64 - LATENT) and t[0] == 0 and t[-1] == 1
  np.testing.assert_allclose(images[:, 0], _g(model, z0, r), atol=1e-5)
  np.testing.assert_allclose(images[:, -1], _g(model, z1, r), atol=1e-5)
  np.testing.assert_allclose(images[:, 4], _g(model, (1 - t[4]) * z0 + t[4] * z1, r),
                             atol=1e-5)
  assert np.abs(images[:, 0] - images[:, -1]).max() > 1e-3


def test_noise_rows_share_the_latent(run):
  model, _, _, _, arrays = run
  z, r = arrays["noise_variation_latent"], arrays["noise_variation_noise"]
  images = arrays["noise_variation_images"]
  assert z.shape == (8, LATENT) and r.shape == (8, 10, 64 - LATENT)
  for i in (0, 5):
    np.testing.assert_allclose(images[i], _g(model, np.repeat(z[i:i + 1], 10, 0), r[i]),
                               atol=1e-5)
    assert np.abs(images[i, 1:] - images[i, :1]).reshape(9, -1).max(1).min() > 1e-4


def test_generated_levels_match_the_scored_samples(run):
  model, splits, out, ev, _ = run
  x = suite.Context(model, splits, str(out / "again2"), suite.SuiteConfig(**CFG)).generated()
  k = np.load(out / "eval" / suite.GENERATED_FILE)["samples"]
  assert k.dtype == np.uint8 and k.shape == (100, 8, 8, 1)
  assert k.min() >= 0 and k.max() <= 16
  np.testing.assert_array_equal(k, np.clip(np.floor(x * np.float32(17)), 0, 16))
  assert ev["generated_samples"]["count"] == 100 and ev["generated_samples"]["levels"] == 17
