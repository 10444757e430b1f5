"""SavedModel export: scripts/export.py on a trained digits flow, loaded in a
fresh Python process, gives the in-memory model's numbers."""

import math
import os
import subprocess
import sys

import gin
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib, export, training
from tfflowgan import workdir as workdir_lib
from tfflowgan.data import load_splits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "realnvp_digits_mle.gin")
BINDINGS = ["train.epochs = 1", "train.steps_per_epoch = 2", "realnvp.num_blocks = 1",
            "realnvp.hidden = 8", "realnvp.final_couplings = 1", "train.num_samples = 4",
            "train.sample_every_epochs = 0"]
LOADER = """
import sys, numpy as np, tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
images = tf.constant(np.load(sys.argv[2]))
sig = loaded.signatures
out = {"sig_" + k: np.array(0) for k in sig}
for k, v in sig["log_prob"](images=images).items(): out["log_prob/" + k] = v.numpy()
out["default"] = sig["serving_default"](images=images)["log_prob"].numpy()
for k, v in sig["log_prob_dequantized"](images=images, num_samples=tf.constant(4),
                                        seed=tf.constant([3, 4])).items():
  out["dequantized/" + k] = v.numpy()
out["z"] = sig["encode"](images=images)["z"].numpy()
for k, v in sig["sample"](num_samples=tf.constant(5), seed=tf.constant([5, 6])).items():
  out["sample/" + k] = v.numpy()
out["decoded"] = sig["decode"](z=tf.constant(out["z"]))["images"].numpy()
for k, v in sig["metadata"]().items(): out["metadata/" + k] = v.numpy()
np.savez(sys.argv[3], **out)
"""


def _in_memory(workdir, images):
  """The restored model's numbers, computed here (no SavedModel)."""
  model, spec, info = workdir_lib.restore_workdir(str(workdir))
  d, levels = spec.num_dims, spec.levels
  centres = tf.constant((images.astype(np.float32) + 0.5) / levels)
  serving = export.serving_module(model, spec)  # the eager Python path
  return {"step": info["step"], "d": d,
          "log_prob": model.generator.log_prob(centres).numpy() - d * math.log(levels),
          "z": model.generator.encode(centres).numpy(),
          "dequantized": serving.log_prob_dequantized(images.astype(np.int64), 4, [3, 4]),
          "sample": serving.sample(5, [5, 6])}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
  """(outputs of the fresh loader process, in-memory numbers, images)."""
  tmp = tmp_path_factory.mktemp("export")
  workdir, path = tmp / "run", tmp / "saved_model"
  try:
    gin.clear_config()
    config_lib.parse([CONFIG], BINDINGS)
    config_lib.save_operative(str(workdir), lambda: training.train(str(workdir), verbose=0))
  finally:
    gin.clear_config()
  env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
  cli = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "export.py"),
                          "--workdir", str(workdir), "--out", str(path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
  images = np.stack([x.numpy() for x in load_splits("digits").test.take(6)]).astype(np.uint8)
  np.save(tmp / "images.npy", images)
  try:
    expected = _in_memory(workdir, images)  # meanwhile
  finally:
    gin.clear_config()
  stdout, stderr = cli.communicate(timeout=300)
  assert cli.returncode == 0, stderr[-3000:]
  assert "log_prob(images: uint8<unknown>) -> bits_per_dim, log_prob" in stdout, stdout
  run = subprocess.run([sys.executable, "-c", LOADER, str(path), str(tmp / "images.npy"),
                        str(tmp / "out.npz")], capture_output=True, text=True, timeout=300,
                       env=env)
  assert run.returncode == 0, run.stderr[-3000:]
  return dict(np.load(tmp / "out.npz")), expected, images


def test_fresh_process_matches_in_memory_model(exported):
  out, expected, images = exported
  assert expected["step"] == 2
  np.testing.assert_allclose(out["log_prob/log_prob"], expected["log_prob"], atol=1e-4, rtol=0)
  np.testing.assert_allclose(out["log_prob/bits_per_dim"],
                             -expected["log_prob"] / (expected["d"] * math.log(2)),
                             atol=1e-5, rtol=0)
  np.testing.assert_allclose(out["default"], out["log_prob/log_prob"], atol=1e-6)
  np.testing.assert_allclose(out["z"], expected["z"], atol=1e-4)
  np.testing.assert_array_equal(out["decoded"], images)  # decode(encode(x)) = x
  # Same seeds, same numbers as the eager Python path.
  np.testing.assert_allclose(out["dequantized/log_prob"], expected["dequantized"]["log_prob"],
                             atol=1e-4)
  np.testing.assert_allclose(out["sample/values"], expected["sample"]["values"], atol=1e-4)
  np.testing.assert_allclose(out["sample/log_density"], expected["sample"]["log_density"],
                             atol=1e-3)


def test_signature_outputs_are_consistent(exported):
  out, _, images = exported
  assert {"sig_log_prob", "sig_log_prob_dequantized", "sig_sample", "sig_encode",
          "sig_decode", "sig_metadata", "sig_serving_default"} <= set(out)
  assert out["metadata/shape"].tolist() == [8, 8, 1]
  assert int(out["metadata/levels"]) == 17 and int(out["metadata/num_dims"]) == 64
  # Importance-weighted bound >= mean bound (Jensen), both below 0 nats.
  assert np.all(out["dequantized/log_prob_iw"] >= out["dequantized/log_prob"] - 1e-4)
  assert np.all(out["dequantized/log_prob"] < 0)
  assert out["sample/images"].dtype == np.uint8 and out["sample/images"].shape == (5, 8, 8, 1)
  assert out["sample/images"].max() <= 16
  assert out["z"].shape == (len(images), 64)


def test_one_way_flow_export(tmp_path):
  """One-way flow on 2D data: log_density = D(x)/w - stored log zeta, and
  samples with their log P_G estimates, through the loaded SavedModel."""
  from tfflowgan.data import DataSpec
  from tfflowgan.generators.oneway_networks import mlp_network
  from tfflowgan.objectives import oneway
  spec = DataSpec("ring", (2,), None)
  model = oneway.oneway_model(spec, generator=mlp_network)
  model.log_zeta.assign(1.25)
  export.export_model(model, spec, tmp_path / "oneway")
  sig = export.load(tmp_path / "oneway").signatures
  assert set(sig) >= {"log_density", "sample", "metadata", "serving_default"}
  x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
  out = sig["log_density"](values=tf.constant(x))
  np.testing.assert_allclose(out["log_density"], model.log_prob(x).numpy(), atol=1e-5)
  assert float(out["log_zeta"]) == 1.25
  sample = sig["sample"](num_samples=tf.constant(7), seed=tf.constant([1, 2]))
  assert sample["values"].shape == (7, 2) and sample["log_density"].shape == (7,)
  assert np.all(np.isfinite(sample["log_density"]))
  with pytest.raises(tf.errors.InvalidArgumentError, match=r"values must have shape \[batch, 2\]"):
    sig["log_density"](values=tf.zeros([5, 3]))


def test_oneway_workdir_export_serves_the_final_log_zeta(tmp_path):
  """The runner stores an AIS log zeta in metrics.json while the checkpoint
  holds the epoch's Jv estimate; the export serves the former."""
  tiny = ["train.epochs = 1", "train.steps_per_epoch = 2", "train.num_samples = 4",
          "train.fid_every_epochs = 0", "oneway_model.num_eval_zeta_samples = 64",
          "oneway_model.ais_chains = 16", "oneway_model.ais_temperatures = 30",
          "dcgan_network.base_filters = 8", "dcgan_critic.base_filters = 8"]
  gin.clear_config()
  try:
    config_lib.parse([os.path.join(ROOT, "configs", "oneway_digits.gin")], tiny)
    run = str(tmp_path / "run")
    metrics = config_lib.save_operative(run, lambda: training.train(run, verbose=0))
  finally:
    gin.clear_config()
  assert metrics["log_zeta_method"] == "ais"
  restored, _, _ = workdir_lib.restore_workdir(str(tmp_path / "run"))
  assert abs(float(restored.log_zeta.numpy()) - metrics["log_zeta"]) > 1.0  # the Jv estimate
  info = export.export_workdir(str(tmp_path / "run"), str(tmp_path / "saved"))
  assert info["log_zeta_method"] == "ais"
  served = export.load(str(tmp_path / "saved")).signatures["log_density"]
  out = served(images=tf.fill([2, 8, 8, 1], tf.constant(8, tf.uint8)))
  np.testing.assert_allclose(float(out["log_zeta"]), metrics["log_zeta"], rtol=1e-5, atol=1e-3)
