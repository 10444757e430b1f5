"""FID during training: `callbacks.FIDHistory` (epochs, values against closed
forms, resume), its wiring in the runner, and scripts/plot_fid_curves.py."""

import csv
import importlib.util
import json
import os

import gin
import numpy as np
import pytest

from tfflowgan import callbacks as cb
from tfflowgan import config as config_lib
from tfflowgan.data import load_splits, make_batches
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import feature_nets, suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ShiftedData:
  """A stand-in model whose samples are the reference images plus `shift`."""

  def __init__(self, images, shift=0.0):
    self.images, self.shift = images, shift

  def sample(self, n, seed=None):
    return self.images[:n] + self.shift


def flat(x):
  return np.asarray(x, np.float64).reshape(len(x), -1)


@pytest.fixture(scope="module")
def validation():
  splits = load_splits("digits")
  return np.concatenate([b.numpy() for b in make_batches(
      splits.validation, splits.spec, 100, training=False, seed=1)])


def run_epochs(callback, model, epochs):
  callback.set_model(model)
  callback.on_train_begin()
  logs = []
  for epoch in range(epochs):
    logs.append({})
    callback.on_epoch_end(epoch, logs[-1])
  return logs


def test_history_at_every_nth_epoch_and_fid_of_the_data_against_itself(tmp_path, validation):
  n = len(validation)
  callback = cb.FIDHistory(str(tmp_path), validation, flat, every=2, num_samples=n)
  logs = run_epochs(callback, ShiftedData(validation), 5)
  assert ["fid" in l for l in logs] == [False, True, False, True, False]
  record = json.load(open(tmp_path / cb.FID_HISTORY))
  assert [e["epoch"] for e in record["history"]] == [2, 4]
  assert record["num_samples"] == n and record["num_reference"] == n
  for e in record["history"]:
    assert abs(e["fid"]) < 1e-6  # the validation set against itself


def test_fid_of_a_shifted_set_is_the_squared_shift(tmp_path, validation):
  """Same covariance, means c apart: FID = ||c||^2 = D c^2 (pixel features)."""
  callback = cb.FIDHistory(str(tmp_path), validation, flat, every=1,
                           num_samples=len(validation))
  logs = run_epochs(callback, ShiftedData(validation, 0.1), 1)
  np.testing.assert_allclose(logs[0]["fid"], 64 * 0.01, rtol=1e-6)


def test_a_resumed_run_keeps_the_earlier_epochs(tmp_path, validation):
  args = (str(tmp_path), validation, flat)
  run_epochs(cb.FIDHistory(*args, every=1, num_samples=50), ShiftedData(validation), 2)
  resumed = cb.FIDHistory(*args, every=1, num_samples=50)
  resumed.set_model(ShiftedData(validation, 0.5))
  resumed.on_train_begin()
  resumed.on_epoch_end(1, {})  # epoch 2 again, then 3
  resumed.on_epoch_end(2, {})
  history = json.load(open(tmp_path / cb.FID_HISTORY))["history"]
  assert [e["epoch"] for e in history] == [1, 2, 3]
  assert history[0]["fid"] < 1.0 < history[1]["fid"]  # epoch 2 replaced by the shifted model


def test_fid_without_features_is_a_config_error(tmp_path):
  with pytest.raises(config_lib.ConfigError, match="needs FID features for 'ring'"):
    cb.fid_history(str(tmp_path), DataSpec("ring", (2,), None), None, 1, 500)
  with pytest.raises(config_lib.ConfigError, match="fid_samples must be an integer >= 2"):
    cb.fid_history(str(tmp_path), DataSpec("digits", (8, 8, 1), 17), None, 1, 1)


def test_runner_writes_fid_history_csv_and_metrics(tmp_path, monkeypatch):
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  x_tr, y_tr, _, _ = feature_nets.load_digits_split(0)
  classifier = str(tmp_path / "clf" / "digits.keras")
  os.makedirs(os.path.dirname(classifier))
  feature_nets.train_classifier(x_tr[:300], y_tr[:300], epochs=1).save(classifier)
  monkeypatch.setattr(suite, "DEFAULT_CLASSIFIER", classifier)
  bindings = ["train.epochs = 2", "train.steps_per_epoch = 1", "train.num_samples = 4",
              "train.fid_every_epochs = 1", "train.fid_samples = 100",
              "dcgan_network.base_filters = 8", "dcgan_critic.base_filters = 8",
              "wgan_gp_model.critic_steps = 1", "train.verbose = 0"]
  workdir = tmp_path / "run"
  gin.clear_config()
  try:
    config_lib.parse([os.path.join(ROOT, "configs", "wgan_gp_digits.gin")], bindings)
    metrics = training.train(str(workdir))
  finally:
    gin.clear_config()
  record = json.load(open(workdir / cb.FID_HISTORY))
  assert [(e["epoch"], e["step"]) for e in record["history"]] == [(1, 1), (2, 2)]
  assert record["features"].startswith(f"digits classifier {classifier}")
  fids = [e["fid"] for e in record["history"]]
  assert all(f > 0 for f in fids)
  assert metrics["history"]["fid"] == pytest.approx(fids)
  rows = list(csv.DictReader(open(workdir / "history.csv")))
  assert [float(r["fid"]) for r in rows] == pytest.approx(fids)


def _plot_script():
  spec = importlib.util.spec_from_file_location(
      "plot_fid_curves", os.path.join(ROOT, "scripts", "plot_fid_curves.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_plot_fid_curves_draws_every_run(tmp_path):
  script = _plot_script()
  for name, fids in (("a", [40.0, 20.0, 10.0]), ("b", [50.0, 45.0, 30.0])):
    os.makedirs(tmp_path / name)
    json.dump({"features": "f", "history": [{"epoch": i + 1, "step": i, "fid": v}
                                            for i, v in enumerate(fids)]},
              open(tmp_path / name / cb.FID_HISTORY, "w"))
  out = tmp_path / "fid.png"
  assert script.main(["--runs", f"one-way S=1={tmp_path / 'a'}", f"WGAN-GP={tmp_path / 'b'}",
                      "--out", str(out)]) == 0
  assert out.stat().st_size > 1000
  assert script.parse_run("one-way S=2=runs/x") == ("one-way S=2", "runs/x")
  assert script.main(["--runs", f"x={tmp_path / 'missing'}", "--out", str(out)]) == 1
