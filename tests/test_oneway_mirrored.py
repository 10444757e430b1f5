"""The one-way flow model trains under tf.distribute.MirroredStrategy (2 logical CPUs).

Runs in a subprocess: logical devices must be set before TensorFlow starts.
"""

import os
import subprocess
import sys

SCRIPT = r"""
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tfflowgan.data import toy2d
from tfflowgan.data.spec import DataSpec
from tfflowgan.generators.oneway_networks import mlp_network
from tfflowgan.objectives.common import adam
from tfflowgan.objectives.importance import DefensiveGaussian
from tfflowgan.objectives.oneway import oneway_model
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
  model = oneway_model(DataSpec("ring", (2,), None), generator=mlp_network,
                       num_zeta_samples=2, logdet="jvp", d_optimizer=lambda: adam(1e-3),
                       g_optimizer=lambda: adam(1e-3), num_eval_zeta_samples=200,
                       defensive=DefensiveGaussian(0.1, 1.5))
before = [v.numpy().copy() for v in model.trainable_variables]
ds = tf.data.Dataset.from_tensor_slices(toy2d.sample("ring", 64)).batch(16)
history = model.fit(ds, epochs=1, verbose=0).history
assert all(np.isfinite(v[-1]) for v in history.values()), history
moved = sum(not np.array_equal(v.numpy(), b) for v, b in zip(model.trainable_variables, before))
assert moved >= len(before) - 1, (moved, len(before))
print("OK", strategy.num_replicas_in_sync)
"""


def test_fit_under_mirrored_strategy():
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
  root = os.path.join(os.path.dirname(__file__), "..")
  out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, env=env,
                       capture_output=True, text=True, timeout=300)
  assert out.returncode == 0, out.stderr[-3000:]
  assert "OK 2" in out.stdout
