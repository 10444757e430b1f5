"""Expected user errors end scripts/train.py and scripts/evaluate.py with one
line on stderr ("<label>: <message>", a hint of what to do) and a non-zero
exit; --debug or TFFLOWGAN_DEBUG=1 shows the traceback. The data loaders and
workdir helpers raise `UserError`s where the problem is found."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tfflowgan import errors
from tfflowgan.data import load_splits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ("Config error:", "Data error:", "Path error:", "Checkpoint error:")


def _script(name, args, tmp_path, env=()):
  cmd = [sys.executable, os.path.join(ROOT, "scripts", name)] + list(args)
  base = {k: v for k, v in os.environ.items() if k != "TFFLOWGAN_DEBUG"}
  env = {**base, "TF_CPP_MIN_LOG_LEVEL": "2",
         "TFDS_DATA_DIR": str(tmp_path / "tfds"), **dict(env)}  # no prepared TFDS sets
  return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env,
                        cwd=ROOT)


def _train(tmp_path, config, bindings=(), extra=(), env=()):
  args = ["--config", os.path.join(ROOT, "configs", config), "--workdir",
          str(tmp_path / "run")] + list(extra)
  for b in bindings:
    args += ["--gin_bindings", b]
  return _script("train.py", args, tmp_path, env)


def _error_line(run):
  """The one user-error line of a failed run (TensorFlow's own log lines aside)."""
  assert run.returncode != 0
  assert "Traceback" not in run.stderr, run.stderr[-3000:]
  lines = [l for l in run.stderr.splitlines() if l.startswith(LABELS)]
  assert len(lines) == 1, run.stderr[-3000:]
  assert run.stderr.rstrip().endswith(lines[0])  # the last thing printed
  return lines[0]


def test_unprepared_tfds_data_is_one_line_naming_it_and_the_offline_sets(tmp_path):
  line = _error_line(_train(tmp_path, "nice_mnist_mle.gin"))
  assert line.startswith(f"Data error: TFDS dataset 'mnist' is not prepared in "
                         f"{tmp_path / 'tfds'}")
  assert "download_and_prepare()" in line and "'data_dir'" in line
  assert "'mnist5k'" in line and "'digits'" in line
  assert not (tmp_path / "run" / "checkpoints").exists()


def test_missing_config_file_is_one_line(tmp_path):
  line = _error_line(_train(tmp_path, "does_not_exist.gin"))
  assert line.startswith("Config error: config file ") and "does_not_exist.gin" in line
  assert "does not exist (relative paths start in" in line


def test_bad_binding_is_one_line(tmp_path):
  line = _error_line(_train(tmp_path, "realnvp_digits_mle.gin", ["realnvp.no_such_setting = 3"]))
  assert line.startswith("Config error: ") and "no_such_setting" in line
  assert "In call to configurable" not in line


def test_debug_flag_shows_the_traceback(tmp_path):
  run = _train(tmp_path, "nice_mnist_mle.gin", extra=["--debug"])
  assert run.returncode != 0
  assert "Traceback (most recent call last)" in run.stderr
  assert "DataNotFoundError: TFDS dataset 'mnist' is not prepared" in run.stderr
  assert "tfds_images.py" in run.stderr  # where it was raised


@pytest.mark.parametrize("value, raises", [("1", True), ("0", False), ("", False)])
def test_debug_environment_variable_reraises_the_user_error(monkeypatch, value, raises):
  from absl import flags
  from tfflowgan import cli
  if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()  # --debug at its default, False

  def fail():
    raise errors.ConfigError("bad setting\nsecond line")
  monkeypatch.setenv(cli.DEBUG_ENV, value)
  if raises:
    with pytest.raises(errors.ConfigError, match="bad setting"):
      cli.run(fail)
  else:
    with pytest.raises(SystemExit) as exit_info:
      cli.run(fail)
    assert exit_info.value.code == errors.one_line(errors.ConfigError("bad setting\nsecond line"))
    assert "\n" not in exit_info.value.code


def test_evaluate_missing_checkpoint_is_one_line(tmp_path):
  missing = tmp_path / "run" / "checkpoints" / "ckpt-3"
  run = _script("evaluate.py", ["--checkpoint", str(missing), "--config",
                                os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")],
                tmp_path)
  line = _error_line(run)
  assert line.startswith(f"Checkpoint error: checkpoint '{missing}' not found")
  assert "give a checkpoint prefix such as" in line


def test_evaluate_missing_workdir_is_one_line(tmp_path):
  line = _error_line(_script("evaluate.py", ["--workdir", str(tmp_path / "nope")], tmp_path))
  assert line.startswith("Path error: ") and "config.gin not found" in line
  assert "is " + str(tmp_path / "nope") + " a training workdir" in line


def test_workdir_that_cannot_be_written_is_a_path_error(tmp_path):
  from tfflowgan.workdir import make_workdir
  (tmp_path / "a_file").write_text("x")
  for path in (tmp_path / "a_file", tmp_path / "a_file" / "run"):
    with pytest.raises(errors.PathError, match="cannot write to --workdir .*pass a --workdir"):
      make_workdir(str(path))
  assert make_workdir(str(tmp_path / "new" / "run")) == str(tmp_path / "new" / "run")
  assert os.listdir(tmp_path / "new" / "run") == []  # the write test leaves nothing


def test_unreadable_image_and_missing_path_are_data_errors(tmp_path):
  from PIL import Image
  folder = tmp_path / "faces"
  folder.mkdir()
  for i in range(3):
    Image.fromarray(np.full((6, 6, 3), 40 * i, np.uint8)).save(folder / f"{i}.png")
  (folder / "9_broken.png").write_bytes(b"not a png")
  with pytest.raises(errors.DataError, match="9_broken.png"):
    load_splits("images", path=str(folder))
  with pytest.raises(errors.DataNotFoundError, match="does not exist; bind"):
    load_splits("images", path=str(tmp_path / "missing"))
  (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 a truncated zip")
  with pytest.raises(errors.DataError, match="bad.npz is not a readable .npz/.npy array file"):
    load_splits("images", path=str(tmp_path / "bad.npz"))
  np.save(tmp_path / "ok.npy", np.zeros((20, 4, 4), np.uint8))
  assert load_splits("images", path=str(tmp_path / "ok.npy")).spec.shape == (4, 4, 1)
  np.save(tmp_path / "flat.npy", np.zeros((20, 16), np.uint8))
  with pytest.raises(errors.DataError, match=r"expected \[N, H, W, C\] images, got shape"):
    load_splits("images", path=str(tmp_path / "flat.npy"))


def test_data_errors_reach_the_cli_unchanged_and_config_errors_stay_config_errors(tmp_path):
  from tfflowgan import training
  np.savez(tmp_path / "hi.npz", images=np.full((20, 4, 4), 300))
  with pytest.raises(errors.DataError) as info:
    training.load_data("images", 0, {"path": str(tmp_path / "hi.npz")})
  assert not isinstance(info.value, errors.ConfigError)
  assert errors.one_line(info.value).startswith(
      "Data error: hi.npz: levels must lie in [0, 255], got range [300, 300]; rescale")
  with pytest.raises(errors.ConfigError, match="crop must be in 1..25"):
    training.load_data("lfw", 0, {"crop": 30})


def test_one_line_drops_gin_context_and_joins_lines():
  e = errors.ConfigError("first\n  In call to configurable 'train' (<function>)\nsecond")
  assert errors.one_line(e) == "Config error: first second"
  assert errors.one_line(errors.UserError("x")) == "Error: x"
