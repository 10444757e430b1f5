"""FusedAdam follows Kingma & Ba's update as written in numpy, matches Keras'
Adam step for step (schedule, clipping, XLA, MirroredStrategy on 2 logical
CPUs), and restores Keras Adam's checkpoints."""

import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

from tfflowgan.objectives.common import adam
from tfflowgan.objectives.fused_adam import FusedAdam


def _numpy_adam(theta, grads, lr, b1, b2, eps):
  m = np.zeros_like(theta)
  v = np.zeros_like(theta)
  for t, g in enumerate(grads, start=1):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2 ** t))  # "epsilon hat"
  return theta


def test_update_is_adam_as_written():
  rng = np.random.default_rng(0)
  theta0 = rng.normal(size=(5, 3)).astype(np.float32)
  grads = [rng.normal(size=(5, 3)).astype(np.float32) for _ in range(6)]
  var = keras.Variable(theta0)
  opt = FusedAdam(0.05, beta_1=0.5, beta_2=0.9, epsilon=1e-3)
  for g in grads:
    opt.apply_gradients([(tf.constant(g), var)])
  want = _numpy_adam(theta0.astype(np.float64), grads, 0.05, 0.5, 0.9, 1e-3)
  np.testing.assert_allclose(var.numpy(), want, rtol=1e-5, atol=1e-6)
  assert int(opt.iterations.numpy()) == 6


def _model(seed=0):
  keras.utils.set_random_seed(seed)
  return keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="tanh"),
                           keras.layers.Dense(1)])


def _train(opt, jit=False, steps=8):
  model = _model()
  x = tf.constant(np.random.default_rng(1).normal(size=(32, 4)), tf.float32)
  y = tf.reduce_sum(x, axis=1, keepdims=True)

  @tf.function(jit_compile=jit)
  def step():
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean((model(x) - y) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables))
  for _ in range(steps):
    step()
  return model, [v.numpy() for v in model.trainable_variables]


def test_matches_keras_adam_with_schedule_clipping_and_xla():
  schedule = lambda: keras.optimizers.schedules.ExponentialDecay(3e-2, 1, 0.9)
  _, want = _train(keras.optimizers.Adam(schedule(), beta_1=0.5, clipnorm=0.1))
  for jit in (False, True):
    _, got = _train(FusedAdam(schedule(), beta_1=0.5, clipnorm=0.1), jit=jit)
    for a, b in zip(got, want):
      np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
  # The weights moved: the comparison is not between two untrained models.
  assert max(np.abs(a - b).max() for a, b in zip(want, [v.numpy() for v in
                                                         _model().trainable_variables])) > 0.05


def test_library_adam_is_fused_and_restores_keras_adam_checkpoints(tmp_path):
  assert isinstance(adam(), FusedAdam)
  keras_opt = keras.optimizers.Adam(1e-2)
  model, _ = _train(keras_opt, steps=3)
  path = tf.train.Checkpoint(model=model, optimizer=keras_opt).write(str(tmp_path / "ckpt"))
  fused = FusedAdam(1e-2)
  fused.build(model.trainable_variables)
  tf.train.Checkpoint(model=model, optimizer=fused).read(path).assert_existing_objects_matched()
  assert int(fused.iterations.numpy()) == 3
  for a, b in zip(fused.variables, keras_opt.variables):
    np.testing.assert_array_equal(a.numpy(), b.numpy())


MIRRORED = r"""
import numpy as np, keras, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tfflowgan.objectives.fused_adam import FusedAdam
x = np.random.default_rng(1).normal(size=(32, 4)).astype(np.float32)
y = x.sum(axis=1, keepdims=True)
result = {}
for cls in (keras.optimizers.Adam, FusedAdam):
  strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
  with strategy.scope():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(cls(3e-2, beta_1=0.5), loss="mse")
  model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
  result[cls.__name__] = [v.numpy() for v in model.trainable_variables]
  assert all(len(v.value.values) == 2 for v in model.trainable_variables)
  replicas = [v.value.values for v in model.trainable_variables]
  for a, b in replicas:
    np.testing.assert_array_equal(a.numpy(), b.numpy())
for a, b in zip(result["Adam"], result["FusedAdam"]):
  np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
print("OK")
"""


def test_matches_keras_adam_under_mirrored_strategy():
  root = os.path.join(os.path.dirname(__file__), "..")
  out = subprocess.run([sys.executable, "-c", MIRRORED], cwd=root, capture_output=True,
                       text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
  assert out.stdout.strip().endswith("OK"), out.stderr[-3000:]
