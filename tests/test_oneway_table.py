"""scripts/oneway_table.py: one short ring run gives a table row with P_D's own
score and the stored log zeta's error, and the scored points in samples.npz."""

import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_table_row_with_density_quality_and_saved_samples(tmp_path):
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "oneway_table.py"),
         "--configs", os.path.join(ROOT, "configs", "oneway_ring.gin"), "--seeds", "0",
         "--workdir", str(tmp_path), "--gin_bindings", "train.epochs = 1",
         "train.steps_per_epoch = 50", "oneway_model.num_eval_zeta_samples = 2000"]
  run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  assert run.returncode == 0, run.stderr[-3000:]
  assert "| oneway_ring | " in run.stdout and "P_D" in run.stdout
  row = json.load(open(tmp_path / "table.json"))["oneway_ring"][0]
  metrics = json.load(open(tmp_path / "oneway_ring" / "seed0" / "metrics.json"))
  assert metrics["train_steps"] == 50
  for key in ("modes", "high_quality", "density_high_quality", "log_zeta_error"):
    assert row[key] == metrics[key]
  assert metrics["log_zeta_error"] == metrics["log_zeta"] - metrics["log_zeta_check"]
  assert metrics["log_zeta_method"] == "quadrature"
  samples = np.load(tmp_path / "oneway_ring" / "seed0" / "samples.npz")["samples"]
  assert samples.shape == (2500, 2) and np.all(np.isfinite(samples))
