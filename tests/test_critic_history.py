"""The independent critic over training (Danihelka et al. Sec. 3.5, Fig. 9):
W_hat of train / validation / test logged each epoch, the critic continued
across a resume, weight clipping honoured, and the logged W_hat equal to the
saved critic's eq. 6 on the runner's data and the generator's samples."""

import csv
import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfflowgan import callbacks as cb
from gin_runs import train_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")
TINY = ["train.steps_per_epoch = 2", "realnvp.num_blocks = 1", "realnvp.hidden = 8",
        "realnvp.final_couplings = 1", "train.num_samples = 4", "train.sample_every_epochs = 0",
        "train.critic_every_epochs = 1", "train.critic_steps = 15"]


def _train(workdir, epochs):
  return train_config(CONFIG, TINY + [f"train.epochs = {epochs}"], workdir, save_operative=True)


def _critic_variables(workdir):
  reader = tf.train.load_checkpoint(str(workdir / "critic_checkpoint"))
  return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}


def test_critic_history_resumes_and_matches_eq6(tmp_path):
  from tfflowgan import training
  from tfflowgan.data import load_splits
  from tfflowgan.evaluation import independent_critic as ic
  from tfflowgan.workdir import restore_workdir
  _train(tmp_path, 2)
  first = json.load(open(tmp_path / cb.CRITIC_HISTORY))["history"]
  assert [e["epoch"] for e in first] == [1, 2]
  assert _critic_variables(tmp_path)["optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"] == 30

  _train(tmp_path, 3)  # resumes at epoch 2
  record = json.load(open(tmp_path / cb.CRITIC_HISTORY))
  rows = record["history"]
  assert [e["epoch"] for e in rows] == [1, 2, 3] and rows[:2] == first
  assert record["settings"]["loss"] == "wgan" and record["settings"]["steps"] == 15
  saved = _critic_variables(tmp_path)
  assert saved["optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"] == 45  # continued, not fresh
  weights = [v for k, v in saved.items() if k.startswith("optimizer/_trainable_variables/")]
  assert weights and max(np.abs(w).max() for w in weights) <= 0.01 + 1e-7  # clipping
  with open(tmp_path / "history.csv") as f:
    history = list(csv.DictReader(f))
  assert [float(r["critic_w_test"]) for r in history] == [e["critic_w_test"] for e in rows]
  assert os.path.getsize(tmp_path / "critic_history.png") > 1000

  # The epoch-3 figures from the saved critic and the final generator, by eq. 6.
  model, _, _ = restore_workdir(str(tmp_path))
  keras.utils.set_random_seed(0)  # as the runner: tf.data's noise uses the global seed
  splits = load_splits("digits", seed=0)
  callback = training._critic_history(str(tmp_path / "unused"), splits, 1, 15, "wgan", None, 0)
  callback.set_model(model)
  critic = ic.build_critic((8, 8, 1), callback.settings)
  tf.train.Checkpoint(critic=critic).read(
      tf.train.latest_checkpoint(str(tmp_path / "critic_checkpoint"))).expect_partial()
  fake = ic.critic_scores(critic, callback._sample(500, 1, 2)).mean()
  for split in cb.CRITIC_SPLITS:
    w = ic.critic_scores(critic, callback.data[split][:500]).mean() - fake
    np.testing.assert_allclose(w, rows[2][f"critic_w_{split}"], rtol=1e-5, atol=1e-8)
