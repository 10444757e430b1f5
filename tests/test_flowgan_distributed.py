"""FlowGAN under tf.distribute.MirroredStrategy: one step on 2 logical CPUs
equals one single-device step on the global batch (per-replica loss scaling,
weight clipping through merge_call, the critic/generator dispatch), also with
several scheduled steps per compiled call.

The CPU must be split before TensorFlow initializes, so the check runs in a
subprocess. Latents and GP interpolation weights come from fixed arrays, each
replica taking its slice like its slice of the data batch; SGD (not Adam, which
is nearly invariant to the gradient scale) so a wrong loss scale shows.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r'''
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import numpy as np
from tfflowgan.data import DataSpec
from tfflowgan.generators import realnvp
from tfflowgan.critics import dcgan_critic
from tfflowgan.objectives.flowgan import FlowGAN

SPEC = DataSpec("tiny", (4, 4, 1), 17)
B = 8
rng = np.random.default_rng(0)
Z = rng.normal(size=(B, 16)).astype("float32")
EPS = rng.uniform(size=(B,)).astype("float32")
X = rng.uniform(0.1, 0.9, size=(B, 4, 4, 1)).astype("float32")


class Fixed(FlowGAN):
  """Latents and GP weights from fixed arrays, split like the data batch."""

  def _part(self, full, n):
    r = tf.distribute.get_replica_context().replica_id_in_sync_group
    return tf.constant(full)[r * n:(r + 1) * n]

  def sample_latent(self, n):
    return self._part(Z, n)

  def interpolation_weights(self, n):
    return self._part(EPS, n)


def build(loss, n_critic=1, steps_per_execution=1):
  g = realnvp(SPEC, num_scales=1, final_couplings=1, num_blocks=1, hidden=8)
  c = dcgan_critic(SPEC.shape, base_filters=8)
  m = Fixed(g, c, SPEC, loss=loss, nll_weight=0.5, adversarial_weight=1.0, n_critic=n_critic,
            g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05))
  m.compile(steps_per_execution=steps_per_execution)
  return m


def step(m, steps):
  m.fit(tf.data.Dataset.from_tensors(X).repeat(), epochs=1, steps_per_epoch=steps, verbose=0)
  return [v.numpy() for v in m.generator.weights + m.critic.weights], int(m.generator_steps.numpy())


def main(case):
  # "loss": one round of one critic update; "loss@k": 4 batches of n_critic = 2,
  # k steps per compiled call on 2 replicas, one per call on one device.
  loss, _, k = case.partition("@")
  k = int(k or 1)
  steps, n_critic = (4, 2) if k > 1 else (1, 1)
  single = build(loss, n_critic)
  init = [v.numpy() for v in single.generator.weights + single.critic.weights]
  strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
  with strategy.scope():
    mirrored = build(loss, n_critic, k)
    for v, w in zip(mirrored.generator.weights + mirrored.critic.weights, init):
      v.assign(w)
  a, ga = step(single, steps)
  b, gb = step(mirrored, steps)
  moved = max(float(np.abs(x - y).max()) for x, y in zip(a, init))
  diff = max(float(np.abs(x - y).max()) for x, y in zip(a, b))
  print(f"RESULT loss={case} replicas={strategy.num_replicas_in_sync} moved={moved:.3g} "
        f"diff={diff:.3g} gsteps={ga},{gb}")


if __name__ == "__main__":
  for loss in sys.argv[1:]:
    main(loss)
'''


def test_mirrored_step_equals_single_device_step(tmp_path):
  path = tmp_path / "mirror_check.py"
  path.write_text(SCRIPT)
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)
  proc = subprocess.run([sys.executable, str(path), "wgan", "wgan_gp@2"], capture_output=True,
                        text=True, timeout=300, env=env, cwd=ROOT)
  results = re.findall(r"RESULT loss=(\S+) replicas=(\d+) moved=(\S+) diff=(\S+) gsteps=(\d+),(\d+)",
                       proc.stdout)
  assert len(results) == 2, proc.stdout + proc.stderr[-3000:]
  for loss, replicas, moved, diff, g1, g2 in results:
    assert replicas == "2"
    assert float(moved) > 1e-2, loss  # the step changed the weights ...
    assert float(diff) < 1e-5, loss  # ... identically on 1 and 2 replicas
    assert g1 == g2 == ("2" if "@" in loss else "1")
