"""mnist5k sample-quality features: the labelled split, its classifier in the suite, FID."""

import os
import types

import numpy as np
import pytest

from tfflowgan.data import load_splits
from tfflowgan.data.offline import mnist5k_arrays, mnist5k_labelled_splits
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import feature_nets as fn
from tfflowgan.evaluation import sample_quality, suite

SPEC = DataSpec("mnist5k", (28, 28, 1), levels=256)


def _arrays(ds):
  return np.stack(list(ds.as_numpy_iterator()))


@pytest.fixture(scope="module")
def labelled():
  return fn.load_mnist5k_split()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
  """The suite's mnist5k feature net, trained for 1 epoch at a patched default path."""
  path = str(tmp_path_factory.mktemp("clf") / "mnist5k.keras")
  patch = pytest.MonkeyPatch()
  patch.setattr(suite, "MNIST5K_CLASSIFIER", path)
  try:
    ctx = types.SimpleNamespace(cfg=suite.SuiteConfig(classifier_epochs=1), spec=SPEC)
    yield path, suite._feature_net(ctx)  # pylint: disable=protected-access
  finally:
    patch.undo()


def test_labels_are_those_of_the_loader_split(labelled):
  x_tr, y_tr, x_te, y_te = labelled
  splits = load_splits("mnist5k")
  for x, ds in ((x_tr, splits.train), (x_te, splits.test)):
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() <= 1
    np.testing.assert_array_equal(np.round(x * 255).astype(np.int32), _arrays(ds))
  (_, y_val_tr), (x_val, y_val), _ = mnist5k_labelled_splits()
  np.testing.assert_array_equal(x_val, _arrays(splits.validation))
  np.testing.assert_array_equal(y_val_tr, y_tr)
  for y, per_class in ((y_tr, 400), (y_val, 50), (y_te, 50)):
    np.testing.assert_array_equal(np.bincount(y, minlength=10), np.full(10, per_class))
  # Each label is the source row's label of that image (the 5000 rows are distinct).
  images, labels = mnist5k_arrays()
  label_of = {r.tobytes(): int(l) for r, l in zip(images, labels)}
  for levels, y in ((np.round(x_tr * 255), y_tr), (np.round(x_te * 255), y_te),
                    (x_val, y_val)):
    got = [label_of[r.tobytes()] for r in levels.astype(np.int32)]
    np.testing.assert_array_equal(got, y)


def test_split_seed_is_the_loader_split_seed(labelled):
  _, _, x1_te, _ = fn.load_mnist5k_split(1)
  np.testing.assert_array_equal(np.round(x1_te * 255).astype(np.int32),
                                _arrays(load_splits("mnist5k", split_seed=1).test))
  assert not np.array_equal(x1_te, labelled[2])


def test_feature_net_is_the_mnist5k_classifier_cached_on_first_use(trained, labelled):
  path, (net, p_star, desc) = trained
  _, _, x_te, y_te = labelled
  assert isinstance(net, fn.ClassifierFeatureNet) and os.path.isfile(path)
  assert net.model.input.shape[1:] == (28, 28, 1)
  acc = net.accuracy(x_te, y_te)
  assert acc > 0.8  # chance is 0.1: labels misaligned with images would fail
  assert desc == f"mnist5k classifier {path} (test accuracy {acc:.3f})"
  np.testing.assert_allclose(p_star, np.full(10, 0.1))  # 400 training images per class
  acts, logits = net(x_te[:64])
  assert acts.shape == (64, 128) and logits.shape == (64, 10)
  # A second call (classifier_path given) loads the cached file instead of training.
  ctx = types.SimpleNamespace(cfg=suite.SuiteConfig(classifier_path=path, classifier_epochs=0),
                              spec=SPEC)
  net2, _, desc2 = suite._feature_net(ctx)  # pylint: disable=protected-access
  assert desc2 == desc
  np.testing.assert_allclose(net2(x_te[:64])[1], logits, rtol=1e-5, atol=1e-5)


def test_fid_of_test_split_against_itself_is_zero(trained, labelled):
  _, (net, p_star, _) = trained
  x_tr, _, x_te, _ = labelled
  ref, _ = net(x_te)
  same = suite._quality(net, p_star, x_te, ref)  # pylint: disable=protected-access
  assert abs(same["fid"]) < 1e-3
  assert same["precision"] == 1.0 and same["recall"] == 1.0
  noise = np.random.default_rng(0).uniform(size=x_te.shape).astype(np.float32)
  train, rand = (suite._quality(net, p_star, x, ref, full=False)  # pylint: disable=protected-access
                 for x in (x_tr[:500], noise))
  assert 1e-3 < train["fid"] < 0.1 * rand["fid"]
  assert rand["mode_score"] < train["mode_score"]
  np.testing.assert_allclose(same["fid"], sample_quality.frechet_distance(ref, ref))
