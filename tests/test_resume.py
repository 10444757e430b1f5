"""Kill -9 mid-training, rerun, and end exactly where an uninterrupted run ends."""

import json
import os
import signal
import subprocess
import sys
import time

import gin
import pytest
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "nice_digits_mle.gin")
EPOCHS, STEPS = 4, 3
BINDINGS = [f"train.epochs = {EPOCHS}", f"train.steps_per_epoch = {STEPS}",
            "train.checkpoint_every_steps = 2", "train.log_every_steps = 2",
            "train.sample_every_steps = 4", "train.sample_every_epochs = 2",
            "nice.num_couplings = 2", "nice.hidden = 16", "nice.num_layers = 1",
            "train.num_samples = 4", "train.batch_size = 32", "train.eval_batch_size = 300"]
# The run to kill also draws samples every step (stateless seeds: training is
# unchanged), so that it is still running well after its first checkpoint.
SLOW = ["train.sample_every_steps = 1"]


def _command(workdir, extra=()):
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--config", CONFIG,
         "--workdir", str(workdir)]
  for b in BINDINGS + list(extra):
    cmd += ["--gin_bindings", b]
  return cmd


def _start(workdir, extra=()):
  return subprocess.Popen(_command(workdir, extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def _finish(proc, timeout=300):
  out, err = proc.communicate(timeout=timeout)
  assert proc.returncode == 0, err[-3000:]
  return out


def _metrics(workdir):
  with open(os.path.join(workdir, "metrics.json")) as f:
    return json.load(f)


def _train_in_process(workdir, bindings):
  from tfflowgan import config as config_lib, training
  try:
    gin.clear_config()
    config_lib.parse([CONFIG], bindings)
    return config_lib.save_operative(str(workdir), lambda: training.train(str(workdir),
                                                                         verbose=0))
  finally:
    gin.clear_config()


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
  ref_dir, kill_dir = tmp_path / "reference", tmp_path / "killed"
  victim = _start(kill_dir, SLOW)
  state = kill_dir / "checkpoints" / "steps" / "checkpoint"
  deadline = time.time() + 240
  while not state.exists() and victim.poll() is None and time.time() < deadline:
    time.sleep(0.01)
  assert victim.poll() is None, "run ended before its first checkpoint: " + victim.stderr.read()[-2000:]
  os.kill(victim.pid, signal.SIGKILL)  # mid-epoch 1: the first checkpoint is at step 2
  victim.wait(timeout=60)
  victim.stdout.close(), victim.stderr.close()
  assert victim.returncode == -signal.SIGKILL
  assert not (kill_dir / "metrics.json").exists(), "killed too late: the run had finished"
  # The state file only ever names complete checkpoints (written atomically).
  latest = tf.train.latest_checkpoint(str(kill_dir / "checkpoints" / "steps"))
  assert latest and tf.io.gfile.exists(latest + ".index")

  resumed_run = _start(kill_dir)  # the rerun, while the reference trains here
  reference = _train_in_process(ref_dir, BINDINGS)
  resumed_out = _finish(resumed_run)
  assert "Resumed from" in resumed_out, resumed_out[-2000:]
  resumed = _metrics(kill_dir)
  assert reference["train_steps"] == resumed["train_steps"] == EPOCHS * STEPS
  assert reference["optimizer_iterations"] == resumed["optimizer_iterations"] == {
      "g_optimizer": EPOCHS * STEPS}
  assert resumed["resumed_from"] and reference["resumed_from"] is None
  # Same data order and noise after the resume point: the same weights.
  assert resumed["test_bits_per_dim"] == pytest.approx(reference["test_bits_per_dim"], abs=1e-5)

  # Outputs of the uninterrupted run, per epoch and per N steps.
  for name in ("samples.png", "config.gin", "operative_config.gin", "history.csv",
               "metrics.json", "samples/epoch_0002.png", "samples/step_0000004.png"):
    assert (ref_dir / name).exists(), name
  for sub in ("train", "validation", "steps", "samples"):
    assert any(f.startswith("events") for f in os.listdir(ref_dir / "tb" / sub)), sub
  assert len(reference["history"]["val_bits_per_dim"]) == EPOCHS
  steps_kept = sorted(os.listdir(ref_dir / "checkpoints" / "steps"))
  assert "ckpt-10.index" in steps_kept and "ckpt-6.index" not in steps_kept  # epoch ends

  # A larger budget resumes from the last epoch checkpoint and trains one epoch.
  more = _train_in_process(ref_dir, BINDINGS + [f"train.epochs = {EPOCHS + 1}"])
  assert more["resumed_from"].endswith(os.path.join("checkpoints", f"ckpt-{EPOCHS}"))
  assert more["train_steps"] == (EPOCHS + 1) * STEPS
  assert len(more["history"]["val_bits_per_dim"]) == 1
