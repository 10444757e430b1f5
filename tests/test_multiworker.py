"""Two workers on 127.0.0.1 train in sync (MultiWorkerMirroredStrategy from
TF_CONFIG) and end with identical weights; only the chief writes results."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCHS, STEPS = 2, 2
BINDINGS = [f"train.epochs = {EPOCHS}", f"train.steps_per_epoch = {STEPS}",
            "train.strategy = 'multi_worker'", "train.batch_size = 32",
            "nice.num_couplings = 2", "nice.hidden = 16", "nice.num_layers = 1",
            "train.num_samples = 4", "train.sample_every_epochs = 0"]
BIND_ERRORS = ("Could not start gRPC server", "Address already in use", "Failed to bind")


def _free_ports(n):
  socks = []
  try:
    for _ in range(n):
      s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
      s.bind(("127.0.0.1", 0))
      socks.append(s)
    return [s.getsockname()[1] for s in socks]
  finally:
    for s in socks:
      s.close()


def test_two_workers_end_with_identical_weights(tmp_path):
  try:
    ports = _free_ports(2)
  except OSError as e:
    pytest.skip(f"cannot bind a port on 127.0.0.1 for the gRPC servers: {e}")
  cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--config",
         os.path.join(ROOT, "configs", "nice_digits_mle.gin"), "--workdir", str(tmp_path)]
  for b in BINDINGS:
    cmd += ["--gin_bindings", b]
  procs, logs = [], []
  for index in range(2):
    tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
    logs.append(open(tmp_path / f"worker_{index}.log", "w+"))
    procs.append(subprocess.Popen(
        cmd, stdout=logs[-1], stderr=subprocess.STDOUT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(tf_config)}))
  deadline = time.time() + 300
  try:
    while time.time() < deadline and any(p.poll() is None for p in procs):
      time.sleep(0.2)
  finally:
    for p in procs:  # time-bounded: never leave a worker waiting on its peer
      if p.poll() is None:
        p.kill()
      p.wait()
  outputs = []
  for log in logs:
    log.seek(0)
    outputs.append(log.read())
    log.close()
  if any(m in out for out in outputs for m in BIND_ERRORS):
    pytest.skip("gRPC servers could not bind their ports on 127.0.0.1")
  for p, out in zip(procs, outputs):
    assert p.returncode == 0, f"timed out or failed (rc {p.returncode}):\n{out[-3000:]}"

  reports = [json.load(open(tmp_path / "workers" / f"worker_{i}.json")) for i in range(2)]
  assert [r["chief"] for r in reports] == [True, False]
  assert reports[0]["weights_sha256"] == reports[1]["weights_sha256"]
  assert reports[0]["train_steps"] == reports[1]["train_steps"] == EPOCHS * STEPS
  metrics = json.load(open(tmp_path / "metrics.json"))  # the chief's only
  assert metrics["train_steps"] == EPOCHS * STEPS
  assert metrics["optimizer_iterations"] == {"g_optimizer": EPOCHS * STEPS}
  assert sorted(f for f in os.listdir(tmp_path / "checkpoints") if f.endswith(".index")) == [
      "ckpt-1.index", "ckpt-2.index"]
  assert all("Test:" in out for out in outputs)
