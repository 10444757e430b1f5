"""A partial or corrupt newest checkpoint is passed over on resume: the rerun
names it, restores the newest checkpoint that reads and trains on; if none
reads, one `CheckpointError`. Evaluation picks the newest readable one too."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tfflowgan import errors
from gin_runs import train_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")
# Epoch checkpoints ckpt-1 (step 2), ckpt-2 (step 4); step checkpoints
# steps/ckpt-1 (step 1), steps/ckpt-3 (step 3; steps 2 and 4 end epochs).
TINY = ["train.epochs = 2", "train.steps_per_epoch = 2", "train.checkpoint_every_steps = 1",
        "realnvp.num_blocks = 1", "realnvp.hidden = 8", "realnvp.final_couplings = 1",
        "train.num_samples = 4", "train.sample_every_epochs = 0"]
MORE = ["train.epochs = 3"]  # the rerun: one epoch (2 steps) beyond the first run


def _train(workdir, bindings=()):
  return train_config(CONFIG, TINY + list(bindings), workdir)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
  workdir = tmp_path_factory.mktemp("trained") / "run"
  _train(workdir)
  return workdir


@pytest.fixture
def workdir(trained, tmp_path):
  copy = tmp_path / "run"
  shutil.copytree(trained, copy)
  return copy


def _data(workdir, name):
  """The checkpoint's largest data shard: the one holding the weights."""
  return max((workdir / "checkpoints").glob(f"{name}.data-*"), key=lambda p: p.stat().st_size)


def _flip_byte(path):
  data = bytearray(path.read_bytes())
  data[len(data) // 2] ^= 0xFF
  path.write_bytes(bytes(data))


def _truncate(path):
  path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def test_flipped_byte_in_newest_checkpoint_is_skipped_by_the_cli_rerun(workdir):
  _flip_byte(_data(workdir, "ckpt-2"))
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--config", CONFIG,
         "--workdir", str(workdir)]
  for b in TINY + MORE:
    cmd += ["--gin_bindings", b]
  run = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  assert run.returncode == 0, run.stderr[-3000:]
  skipped = [l for l in run.stdout.splitlines() if l.startswith("Skipped checkpoint")]
  assert skipped == [skipped[0]] and "Checksum does not match" in skipped[0]
  assert skipped[0].startswith(f"Skipped checkpoint {workdir / 'checkpoints' / 'ckpt-2'}: ")
  resumed = workdir / "checkpoints" / "steps" / "ckpt-3"
  assert f"Resumed from {resumed} (epoch 1), step 3" in run.stdout
  metrics = json.loads((workdir / "metrics.json").read_text())
  assert metrics["resumed_from"] == str(resumed)
  # 3 restored steps + 1 to end epoch 2 + 2 of epoch 3; the optimizer's count too.
  assert metrics["train_steps"] == 6 and metrics["optimizer_iterations"] == {"g_optimizer": 6}
  assert len(metrics["history"]["val_bits_per_dim"]) == 2
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  assert training.find_checkpoint(str(workdir)) == (
      str(workdir / "checkpoints" / "ckpt-3"), [])  # ckpt-2 was saved anew


def test_truncated_checkpoints_fall_back_to_the_newest_that_reads(workdir, capsys):
  _truncate(_data(workdir, "ckpt-2"))
  _truncate(_data(workdir, "steps/ckpt-3"))
  metrics = _train(workdir, MORE)
  out = capsys.readouterr().out
  skipped = [l for l in out.splitlines() if l.startswith("Skipped checkpoint")]
  assert [l.split(":")[0] for l in skipped] == [
      f"Skipped checkpoint {workdir / 'checkpoints' / 'ckpt-2'}",
      f"Skipped checkpoint {workdir / 'checkpoints' / 'steps' / 'ckpt-3'}"]
  assert all("a partial file" in l for l in skipped), skipped
  assert f"Resumed from {workdir / 'checkpoints' / 'ckpt-1'} (epoch 1), step 2" in out
  assert metrics["resumed_from"] == str(workdir / "checkpoints" / "ckpt-1")
  # 2 restored steps + 2 of epoch 2 + 2 of epoch 3.
  assert metrics["train_steps"] == 6 and metrics["optimizer_iterations"] == {"g_optimizer": 6}
  assert len(metrics["history"]["val_bits_per_dim"]) == 2


def test_no_checkpoint_reads_is_one_checkpoint_error(workdir):
  for name in ("ckpt-1", "ckpt-2", "steps/ckpt-1", "steps/ckpt-3"):
    _truncate(_data(workdir, name))
  before = (workdir / "metrics.json").read_text()
  with pytest.raises(errors.CheckpointError) as info:
    _train(workdir, MORE)
  line = errors.one_line(info.value)
  assert line.startswith(f"Checkpoint error: no checkpoint of {workdir} reads (")
  assert all(str(workdir / "checkpoints" / n) in line for n in ("ckpt-1", "steps/ckpt-3"))
  assert "move" in line and "aside to train from scratch" in line
  assert (workdir / "metrics.json").read_text() == before  # no training


def test_checkpoint_of_another_model_is_a_checkpoint_error(workdir):
  with pytest.raises(errors.CheckpointError,
                     match=r"ckpt-2 does not fit the model of this config .*another --workdir"):
    _train(workdir, MORE + ["realnvp.hidden = 16"])


def test_evaluation_takes_the_newest_readable_checkpoint(workdir):
  from tfflowgan import workdir as workdir_lib  # pylint: disable=g-import-not-at-top
  _flip_byte(_data(workdir, "ckpt-2"))
  assert workdir_lib.latest_checkpoint(str(workdir)) == str(
      workdir / "checkpoints" / "steps" / "ckpt-3")
  with pytest.raises(errors.CheckpointError, match="ckpt-2 does not read .*Checksum"):
    workdir_lib.check_checkpoint(str(workdir / "checkpoints" / "ckpt-2"))
  with pytest.raises(errors.CheckpointError, match="not found .*checkpoints in .*ckpt-1"):
    workdir_lib.check_checkpoint(str(workdir / "checkpoints" / "ckpt-9"))
