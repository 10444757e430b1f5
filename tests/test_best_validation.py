"""The best-validation checkpoint (Flow-GAN's protocol): the runner's
`best_validation` block names the epoch of the lowest validation NLL, across a
resume, and its test figures are those of the weights saved at that epoch."""

import csv
import json
import math
import os

import gin
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import callbacks as cb
from gin_runs import train_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")
# A learning rate high enough that the validation NLL does not fall monotonically
# (on this seed its minimum is at epoch 2 of 4, before the resume point).
TINY = ["train.steps_per_epoch = 2", "realnvp.num_blocks = 1", "realnvp.hidden = 8",
        "realnvp.final_couplings = 1", "train.num_samples = 4",
        "train.sample_every_epochs = 0", "adam.learning_rate = 0.1"]


def _train(workdir, epochs):
  return train_config(CONFIG, TINY + [f"train.epochs = {epochs}"], workdir, save_operative=True)


def _test_figures(model, splits, eval_batch_size=500, seed=0):
  """Mean test NLL (nats, discrete space) and bits/dim with numpy, on the
  runner's test batches (seed + 2, the first pass of a fresh pipeline)."""
  from tfflowgan.data import make_batches
  spec = splits.spec
  tf.random.set_seed(seed)
  batches = make_batches(splits.test, spec, eval_batch_size, training=False, seed=seed + 2)
  log_p = np.concatenate([model.log_prob(x).numpy() for x in batches]).astype(np.float64)
  nll = -(log_p - spec.num_dims * math.log(spec.levels))
  return nll.mean(), (nll / (spec.num_dims * math.log(2.0))).mean()


def test_best_epoch_is_the_argmin_across_a_resume_and_its_test_nll_recomputes(tmp_path):
  from tfflowgan.evaluation import restore
  _train(tmp_path, 2)
  metrics = _train(tmp_path, 4)  # resumes from ckpt-2
  assert metrics["resumed_from"].endswith("ckpt-2")
  with open(tmp_path / "history.csv") as f:  # both runs' epochs (appended)
    val_nll = [float(row["val_nll"]) for row in csv.DictReader(f)]
  assert len(val_nll) == 4
  block = metrics["best_validation"]
  assert block["monitor"] == "val_nll"
  assert block["epoch"] == int(np.argmin(val_nll)) + 1
  assert block["validation_nll"] == pytest.approx(min(val_nll), rel=1e-6)
  assert block["epoch"] <= 2, "the minimum is no longer before the resume point: the " \
                              "test no longer checks that a resumed run keeps it"
  with open(tmp_path / "best_validation.json") as f:
    assert json.load(f)["checkpoint"] == block["checkpoint"]
  assert {f.split(".")[0] for f in os.listdir(tmp_path / "checkpoints_best")
          if f.startswith("ckpt-")} == {f"ckpt-{block['epoch']}"}

  assert block["checkpoint"] == os.path.join("checkpoints_best", f"ckpt-{block['epoch']}")
  model, splits, info = restore.load_model([str(tmp_path / "config.gin")],
                                           str(tmp_path / block["checkpoint"]))
  assert info["epoch"] == block["epoch"]
  nll, bpd = _test_figures(model, splits)
  assert block["test_nll"] == pytest.approx(nll, rel=1e-5)
  assert block["test_bits_per_dim"] == pytest.approx(bpd, rel=1e-5)
  # The final figures are of other weights, scored on the same test batches.
  final, _, _ = restore.load_model([str(tmp_path / "config.gin")],
                                   str(tmp_path / "checkpoints" / "ckpt-4"))
  final_nll, _ = _test_figures(final, splits)
  assert metrics["test_nll"] == pytest.approx(final_nll, rel=1e-5)
  assert abs(final_nll - nll) > 1.0
  gin.clear_config()
  # Run again with no epochs left: the block is still there, the same.
  again = _train(tmp_path, 4)
  assert again["resumed_from"].endswith("ckpt-4")
  assert again["best_validation"] == block
  gin.clear_config()


class _Weights(tf.Module):
  def __init__(self):
    super().__init__()
    self.w = tf.Variable(0.0)


def _best_callback(workdir):
  model = _Weights()
  ckpt = tf.train.Checkpoint(model=model, epoch=tf.Variable(0, dtype=tf.int64))
  manager = tf.train.CheckpointManager(ckpt, os.path.join(workdir, "checkpoints_best"), 1)
  return model, cb.BestValidation(str(workdir), manager, ckpt)


def test_callback_keeps_the_lowest_finite_value_and_reads_it_back(tmp_path):
  model, best = _best_callback(tmp_path)
  best.on_train_begin()
  values = [3.0, 1.0, 2.0, float("nan"), 1.5]
  for epoch, value in enumerate(values):
    model.w.assign(10.0 * (epoch + 1))  # the weights of that epoch
    best.on_epoch_end(epoch, {"loss": 0.0, "val_nll": value, "val_bits_per_dim": 9.0})
  assert best.best["epoch"] == 2 and best.best["value"] == 1.0
  restored = _Weights()
  tf.train.Checkpoint(model=restored).read(best.best_checkpoint).expect_partial()
  assert float(restored.w.numpy()) == 20.0

  # A resumed run: a worse epoch does not replace the best so far, a better one does.
  model, resumed = _best_callback(tmp_path)
  resumed.on_train_begin()
  assert resumed.best == best.best and resumed.best_checkpoint == best.best_checkpoint
  resumed.on_epoch_end(5, {"val_nll": 1.2})
  assert resumed.best["epoch"] == 2
  resumed.on_epoch_end(6, {"val_nll": 0.5})
  with open(tmp_path / cb.BEST_VALIDATION) as f:
    assert json.load(f)["epoch"] == 7


def test_bound_models_monitor_their_nll_bound(tmp_path):
  model, best = _best_callback(tmp_path)
  best.on_train_begin()
  best.on_epoch_end(0, {"val_bits_per_dim_bound": 2.0, "val_nll_bound": 100.0})
  assert best.best["monitor"] == "val_nll_bound" and best.best["value"] == 100.0


def test_only_likelihood_models_track_it():
  from tfflowgan import training
  kinds = {kind: training.tracks_best_validation(type("M", (), {"likelihood_kind": kind}))
           for kind in ("exact", "bound", "estimate", "none")}
  assert kinds == {"exact": True, "bound": True, "estimate": False, "none": False}
