"""scripts/train.py and `training.train`: settings that cannot work stop before
training with a message naming the setting (scripts/train.py prints it as
"Config error: ..." without a traceback). Outputs and resume: test_resume.py."""

import os
import subprocess
import sys

import gin
import pytest

from tfflowgan import config as config_lib
from gin_runs import train_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")
TINY = ["train.epochs = 1", "train.steps_per_epoch = 1", "realnvp.num_blocks = 1",
        "realnvp.hidden = 8", "realnvp.final_couplings = 1", "train.num_samples = 4"]


def _cli(workdir, bindings, config=CONFIG):
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"),
         "--config", config, "--workdir", str(workdir)]
  for b in bindings:
    cmd += ["--gin_bindings", b]
  return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def _train(workdir, bindings, config=CONFIG):
  """In-process: TINY + bindings (`gin_runs.train_config`)."""
  return train_config(config, TINY + bindings, workdir)


def test_missing_config_file_is_named(tmp_path):
  run = _cli(tmp_path, [], config=os.path.join(ROOT, "configs", "does_not_exist.gin"))
  assert run.returncode != 0
  assert "Config error: config file" in run.stderr and "does_not_exist.gin" in run.stderr
  assert "does not exist" in run.stderr and "Traceback" not in run.stderr


def test_unknown_dataset_is_named_with_the_available_ones(tmp_path):
  with pytest.raises(config_lib.ConfigError) as info:
    _train(tmp_path, ["train.dataset = 'no_such_data'"])
  message = config_lib.error_message(info.value)  # what scripts/train.py prints
  assert message.startswith("train.dataset = 'no_such_data' is unknown; available: ")
  assert "digits" in message and "In call to configurable" not in message
  assert not (tmp_path / "checkpoints").exists()


def test_unknown_binding_is_named():
  with pytest.raises(config_lib.ConfigError, match="no_such_setting"):
    try:
      config_lib.parse([CONFIG], ["realnvp.no_such_setting = 3"])
    finally:
      gin.clear_config()


@pytest.mark.parametrize("binding, message", [
    ("realnvp.num_scales = 4", "train.model_builder = @flow_mle: .*num_scales=4 is impossible"),
    ("train.strategy = 'gpu_farm'", "train.strategy must be one of 'default', 'mirrored', "
                                    "'multi_worker', got 'gpu_farm'"),
    ("train.batch_size = 5000", r"train.batch_size = 5000 is larger than the training set "
                                r"of 'digits' \(1300 examples\)"),
    ("train.batch_size = 0", "train.batch_size must be a positive integer, got 0"),
    ("train.dataset_kwargs = {'crop': 3}", "train.dataset_kwargs = {'crop': 3}: .*crop"),
    ("train.checkpoint_every_steps = 2\ntrain.steps_per_epoch = None",
     "train.checkpoint_every_steps needs train.steps_per_epoch"),
    ("train.steps_per_execution = 2\ntrain.steps_per_epoch = 3",
     "train.steps_per_epoch = 3 must be a multiple of train.steps_per_execution = 2"),
    ("train.steps_per_execution = 0", "train.steps_per_execution must be a positive integer"),
    ("train.intra_op_threads = 0", "train.intra_op_threads = 0: use a positive integer or None"),
])
def test_impossible_setting_stops_before_training(tmp_path, binding, message):
  with pytest.raises(config_lib.ConfigError, match=message):
    _train(tmp_path, binding.split("\n"))
  assert not (tmp_path / "checkpoints").exists()


def test_multi_worker_without_tf_config_is_named(tmp_path, monkeypatch):
  monkeypatch.delenv("TF_CONFIG", raising=False)
  with pytest.raises(config_lib.ConfigError, match="needs the TF_CONFIG environment variable"):
    _train(tmp_path, ["train.strategy = 'multi_worker'"])


def test_latent_dimension_larger_than_data_is_named(tmp_path):
  with pytest.raises(config_lib.ConfigError,
                     match="train.model_builder = @oneway_model: latent_dim must be in 1..64"):
    _train(tmp_path, ["train.model_builder = @oneway_model",
                      "oneway_model.generator = @dcgan_network", "oneway_model.latent_dim = 100"])


FLOWGAN = os.path.join(ROOT, "configs", "flowgan_realnvp_digits_hybrid.gin")


def test_steps_per_execution_keeps_step_counts_and_resume_exact(tmp_path):
  """Two steps per compiled call (FlowGAN: its own train function, the
  device-side schedule, 2 critic updates a round; the other objectives use
  Keras' multi-step function): the global step, the optimizers' iterations and
  the step checkpoints name the steps actually run, and a second call resumes
  at the epoch boundary."""
  config = FLOWGAN
  steps = ["train.steps_per_execution = 2", "train.steps_per_epoch = 4",
           "train.checkpoint_every_steps = 2", "flowgan.n_critic = 2",
           "flowgan.heldout_critic_steps = 0", "mlp_critic.hidden = (8,)"]

  def iterations(n):
    return {"d_optimizer": n, "g_optimizer": n // 2}
  first = _train(tmp_path, steps + ["train.epochs = 1"], config)
  assert first["train_steps"] == 4 and first["optimizer_iterations"] == iterations(4)
  saved = sorted(os.listdir(tmp_path / "checkpoints" / "steps"))
  assert "ckpt-2.index" in saved and "ckpt-4.index" not in saved  # 4 ends the epoch
  second = _train(tmp_path, steps + ["train.epochs = 3"], config)
  assert second["train_steps"] == 12 and second["optimizer_iterations"] == iterations(12)
  assert second["resumed_from"]


def test_intra_op_threads_set_before_the_runtime_starts_and_kept_after():
  """A fresh process gets the count; in this one (runtime started) another
  count is not applied and the current one stays."""
  code = ("import tensorflow as tf; from tfflowgan.training import set_intra_op_threads; "
          "set_intra_op_threads(1); tf.constant(1.0) + 1.0; "
          "print(tf.config.threading.get_intra_op_parallelism_threads())")
  out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, cwd=ROOT)
  assert out.stdout.split()[-1] == "1", out.stderr[-2000:]
  import tensorflow as tf
  from tfflowgan.training import set_intra_op_threads
  tf.constant(1.0) + 1.0  # the runtime has started
  before = tf.config.threading.get_intra_op_parallelism_threads()
  set_intra_op_threads(before + 3)
  assert tf.config.threading.get_intra_op_parallelism_threads() == before
