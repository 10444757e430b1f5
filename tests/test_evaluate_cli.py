"""scripts/evaluate.py end to end on a tiny digits MLE run, and the suite's
one-way-flow stage on an untrained one-way flow (2D ring)."""

import json
import os
import subprocess
import sys

import gin
import matplotlib.pyplot as plt
import numpy as np

from tfflowgan import config as config_lib
from tfflowgan.data import bits_per_dim, make_batches
from tfflowgan.evaluation import restore, suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["train.epochs = 1", "train.steps_per_epoch = 2", "realnvp.num_blocks = 1",
        "realnvp.hidden = 8", "realnvp.final_couplings = 1", "train.num_samples = 4",
        "train.verbose = 0"]


def _train_tiny(workdir):
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  gin.clear_config()
  config_lib.parse([os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")], TINY)
  try:
    config_lib.save_operative(str(workdir), lambda: training.train(str(workdir)))
  finally:
    gin.clear_config()


def test_evaluate_workdir_writes_eval_json_and_figures(tmp_path):
  workdir = tmp_path / "run"
  _train_tiny(workdir)
  # The --checkpoint/--config route (in-process): the trained weights come back.
  metrics = json.load(open(workdir / "metrics.json"))
  ckpt = restore.latest_checkpoint(str(workdir))
  model, splits, info = restore.load_model([str(workdir / "config.gin")], ckpt)
  gin.clear_config()
  assert info["epoch"] == 1 and splits.spec.name == "digits"
  x = next(iter(make_batches(splits.test, splits.spec, 297, training=False, seed=2)))
  np.testing.assert_allclose(
      np.mean(bits_per_dim(model.log_prob(x), 64, 17)), metrics["test_bits_per_dim"],
      rtol=1e-3)  # same seed, so the same dequantization noise as metrics.json

  cmd = [sys.executable, os.path.join(ROOT, "scripts", "evaluate.py"), "--workdir",
         str(workdir), "--num_samples", "200", "--critic_steps", "30",
         "--critic_fake_pool", "300", "--jacobian_samples", "4", "--max_examples", "400",
         "--classifier",
         str(tmp_path / "clf" / "digits.keras"), "--classifier_epochs", "1"]
  run = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  print(run.stdout)  # shown on failure
  assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
  for stage in ("restore", "data") + suite.STAGES:
    assert f"[evaluate] {stage}" in run.stdout, stage
  ev = json.load(open(workdir / "eval.json"))
  assert ev["errors"] == {} and set(ev["skipped"]) == {"oneway"}
  for stage in ("likelihood", "parzen", "jacobian", "sample_quality",
                "independent_critic", "latent"):
    assert stage in ev and ev["seconds"][stage] >= 0, stage
  assert ev["likelihood"]["kind"] == "exact"
  assert ev["likelihood"]["test"]["count"] == 297 and ev["likelihood"]["train"]["count"] == 400
  assert ev["jacobian"]["jacobian_shape"] == [64, 64]
  assert ev["jacobian"]["log_abs_det_vs_log_prob_max_abs_diff"] < 1e-2
  assert set(ev["independent_critic"]["distance"]) == {"train", "validation", "test"}
  assert ev["latent"]["full_reconstruction_max_abs_error"] < 1e-4
  assert ev["summary"]["fid"] > 0 and ev["summary"]["parzen_sigma"] in ev["parzen"]["sigmas"]
  sq = ev["sample_quality"]
  assert sq["nearest_k"] == ev["settings"]["nearest_k"] == 5
  for q in (sq, sq["data"]):
    assert all(0 <= q[m] <= 1 for m in ("precision", "recall", "coverage")), q
    assert q["density"] >= 0
  assert all(ev["summary"][m] == sq[m] for m in ("precision", "recall", "density", "coverage"))
  assert sq["data"]["coverage"] > 0.5  # training images cover the test images' balls
  png = plt.imread(str(workdir / "eval" / "samples.png"))
  assert png.shape[:2] == (8 * 33 + 1, 8 * 33 + 1)  # 64 samples, 8x8 drawn at 32x32
  assert plt.imread(str(workdir / "samples.png")).shape[:2] == (2 * 33 + 1, 2 * 33 + 1)
  assert (tmp_path / "clf" / "digits.keras").exists()  # cached for the next run
  for name in ("nll_histogram", "parzen_nll", "jacobian_singular_values", "samples",
               "parzen_vs_model_mode_score", "independent_critic_training",
               "latent_hist2d", "partial_reconstructions"):
    assert (workdir / "eval" / f"{name}.png").stat().st_size > 100, name


def test_oneway_stage_on_untrained_ring_model(tmp_path):
  from tfflowgan.data import load_splits  # pylint: disable=g-import-not-at-top
  from tfflowgan.generators.oneway_networks import mlp_network  # pylint: disable=g-import-not-at-top
  from tfflowgan.objectives.oneway import oneway_model  # pylint: disable=g-import-not-at-top
  splits = load_splits("ring", num_train=500, num_validation=200, num_test=200)
  model = oneway_model(splits.spec, generator=mlp_network, num_eval_zeta_samples=100)
  cfg = suite.SuiteConfig(stages=("likelihood", "jacobian", "latent", "oneway"),
                          jacobian_samples=4, oneway_sample_sizes=(1, 10, 100),
                          oneway_repeats=3)
  ev = suite.run_suite(model, splits, str(tmp_path), cfg, log=lambda s: None)
  assert ev["errors"] == {}, ev["errors"]
  assert ev["likelihood"]["kind"] == "estimate" and "latent" in ev["skipped"]
  curve = ev["oneway"]["log_zeta_curves"]
  assert set(curve) == {"generator", "standard normal", "true density"}
  assert len(curve["generator"]["std"]) == 3
  assert 0 <= ev["oneway"]["modes2d"]["modes"] <= 8
  # the likelihood stage stored the 2D quadrature log zeta; the oneway stage reports it
  assert (ev["oneway"]["stored_log_zeta"], ev["oneway"]["stored_log_zeta_method"]) == (
      ev["likelihood"]["log_zeta"], "quadrature")
  assert 0.0 <= ev["jacobian"]["negative_det_share"] <= 1.0
  for name in ("log_zeta_vs_samples", "discriminator_histogram", "density_2d"):
    assert (tmp_path / "eval" / f"{name}.png").exists(), name
