"""scripts/train.py end to end: outputs, resume, and config errors."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["train.epochs = 2", "train.steps_per_epoch = 3", "realnvp.num_blocks = 1",
        "realnvp.hidden = 8", "realnvp.final_couplings = 1", "train.num_samples = 4"]


def _train(workdir, bindings, config="configs/realnvp_digits_mle.gin"):
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"),
         "--config", os.path.join(ROOT, config), "--workdir", str(workdir)]
  for b in bindings:
    cmd += ["--gin_bindings", b]
  return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def test_train_writes_outputs_and_resumes(tmp_path):
  run = _train(tmp_path, TINY)
  assert run.returncode == 0, run.stderr[-3000:]
  metrics = json.load(open(tmp_path / "metrics.json"))
  assert 1.0 < metrics["test_bits_per_dim"] < 6.0
  assert len(metrics["history"]["val_bits_per_dim"]) == 2
  for name in ("samples.png", "config.gin", "operative_config.gin", "history.csv"):
    assert (tmp_path / name).exists(), name
  assert any(f.startswith("events") for _, _, fs in os.walk(tmp_path / "tb") for f in fs)
  assert (tmp_path / "checkpoints" / "checkpoint").exists()
  # A second run with a larger budget resumes at epoch 2 and runs only epoch 3.
  run = _train(tmp_path, TINY + ["train.epochs = 3"])
  assert run.returncode == 0, run.stderr[-3000:]
  assert "Resumed from" in run.stdout and "(epoch 2)" in run.stdout
  metrics = json.load(open(tmp_path / "metrics.json"))
  assert len(metrics["history"]["val_bits_per_dim"]) == 1


def test_missing_config_file_is_named(tmp_path):
  run = _train(tmp_path, [], config="configs/does_not_exist.gin")
  assert run.returncode != 0
  assert "does_not_exist.gin" in run.stderr and "does not exist" in run.stderr


def test_unknown_binding_is_named(tmp_path):
  run = _train(tmp_path, ["realnvp.no_such_setting = 3"])
  assert run.returncode != 0
  assert "Config error" in run.stderr and "no_such_setting" in run.stderr


def test_impossible_architecture_stops_before_training(tmp_path):
  run = _train(tmp_path, ["realnvp.num_scales = 4"])
  assert run.returncode != 0
  assert "num_scales=4 is impossible" in run.stderr
  assert not (tmp_path / "checkpoints" / "checkpoint").exists()
