"""Feature nets: the digits classifier, save/load, InceptionV3 wiring and missing weights."""

import importlib.util
import os

import keras
import numpy as np
import pytest

from tfflowgan.evaluation import feature_nets as fn

_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "scripts", "train_classifier.py")


def _script():
  spec = importlib.util.spec_from_file_location("train_classifier", _SCRIPT)
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  return mod


def test_digits_classifier_accuracy_and_round_trip(tmp_path):
  path = str(tmp_path / "new_folder" / "digits.keras")  # the script makes the folder
  acc = _script().train_and_save("digits", path, epochs=5)
  assert acc > 0.9
  _, _, xte, yte = fn.load_digits_split()
  net = fn.ClassifierFeatureNet.load(path)
  acts, logits = net(xte, batch_size=100)
  assert acts.shape == (297, 128) and logits.shape == (297, 10)
  assert net.accuracy(xte, yte) == pytest.approx(acc)
  wpath = net.save(str(tmp_path / "digits.weights.h5"))
  net2 = fn.ClassifierFeatureNet.load(wpath, input_shape=(8, 8, 1))
  for w2, w in zip(net2.model.get_weights(), net.model.get_weights(), strict=True):
    np.testing.assert_array_equal(w2, w)
  # Same weights; the outputs may differ in the last float bits when the batch
  # blocking of the matmuls differs (CI saw 2.4e-6 on 25 of 2970 logits).
  acts2, logits2 = net2(xte, batch_size=100)
  np.testing.assert_allclose(logits2, logits, rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(acts2, acts, rtol=1e-5, atol=1e-5)


def test_classifier_builds_for_mnist_shape():
  model = fn.build_classifier((28, 28, 1))
  assert model.output.shape == (None, 10)
  assert model.get_layer("penultimate").output.shape == (None, 128)


def test_missing_inception_weights_message(tmp_path, monkeypatch):
  missing = str(tmp_path / "nope.h5")
  with pytest.raises(FileNotFoundError, match="nope.h5"):
    fn.InceptionFeatureNet(missing)
  monkeypatch.setenv("KERAS_HOME", str(tmp_path))
  expected = os.path.join(str(tmp_path), "models", fn.INCEPTION_WEIGHTS_FILE)
  with pytest.raises(FileNotFoundError) as err:
    fn.inception_weights_path()
  assert expected in str(err.value) and "never downloaded" in str(err.value)


def test_inception_input_preprocessing():
  x = np.random.default_rng(0).uniform(size=(2, 8, 8, 1)).astype(np.float32)
  y = fn.to_inception_input(x).numpy()
  assert y.shape == (2, 299, 299, 3)
  np.testing.assert_array_equal(y[..., 0], y[..., 2])
  assert y.min() >= -1 and y.max() <= 1
  np.testing.assert_allclose(y.mean(), (2 * x.mean() - 1), atol=0.02)


def test_inception_feature_net_wiring_from_local_file(tmp_path):
  """Random-init weights saved to a local file stand in for the ImageNet ones."""
  base = keras.applications.InceptionV3(weights=None, classifier_activation=None)
  path = str(tmp_path / "inception.weights.h5")
  base.save_weights(path)
  net = fn.InceptionFeatureNet(path)
  x = np.random.default_rng(1).uniform(size=(2, 16, 16, 3)).astype(np.float32)
  acts, logits = net(x)
  assert acts.shape == (2, 2048) and logits.shape == (2, 1000)
  np.testing.assert_allclose(logits, base(fn.to_inception_input(x)).numpy(), rtol=1e-4,
                             atol=1e-4)
