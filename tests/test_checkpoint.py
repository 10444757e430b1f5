"""TracedCheckpoint writes the files an eager tf.train.Checkpoint writes, keeps
CheckpointManager's bookkeeping, and saves variables created after its first
write."""

import keras
import numpy as np
import tensorflow as tf

from tfflowgan.checkpoint import TracedCheckpoint


def _model():
  model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
  model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
  return model


def _tensors(prefix):
  reader = tf.train.load_checkpoint(prefix)
  return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}


def test_traced_write_equals_eager_write_and_restores(tmp_path):
  model = _model()
  x, y = np.random.default_rng(0).normal(size=(32, 3)), np.zeros((32, 1))
  model.fit(x, y, epochs=1, verbose=0)
  step = tf.Variable(7, dtype=tf.int64)
  eager = tf.train.Checkpoint(model=model, step=step).write(str(tmp_path / "eager"))
  traced_ckpt = TracedCheckpoint(model=model, step=step)
  traced = traced_ckpt.write(str(tmp_path / "traced"))
  assert traced == str(tmp_path / "traced")
  a, b = _tensors(eager), _tensors(traced)
  assert sorted(a) == sorted(b) and len(a) > 10  # weights, Adam slots, object graph
  for key in a:
    if key != "_CHECKPOINTABLE_OBJECT_GRAPH":
      np.testing.assert_array_equal(a[key], b[key], err_msg=key)
  # A second write replays the trace and writes the current values.
  model.fit(x, y, epochs=1, verbose=0)
  before = [v.numpy() for v in model.weights]
  traced_ckpt.write(str(tmp_path / "traced2"))
  assert traced_ckpt._trace.fn.experimental_get_tracing_count() == 1
  for v in model.weights:
    v.assign(tf.zeros_like(v))
  tf.train.Checkpoint(model=model, step=step).read(
      str(tmp_path / "traced2")).assert_existing_objects_matched()
  for v, w in zip(model.weights, before):
    np.testing.assert_array_equal(v.numpy(), w)


def test_manager_bookkeeping_and_late_variables(tmp_path):
  model = _model()
  ckpt = TracedCheckpoint(model=model)
  manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
  first = manager.save()
  assert not any(k.startswith("late/") for k in _tensors(first))
  ckpt.late = tf.Variable(3.0)  # created after the first (traced) write
  manager.save()
  last = manager.save()
  assert manager.latest_checkpoint == last and len(manager.checkpoints) == 2
  assert not tf.io.gfile.exists(first + ".index")  # swept by max_to_keep
  saved = _tensors(last)
  assert saved["late/.ATTRIBUTES/VARIABLE_VALUE"] == 3.0
  assert saved["save_counter/.ATTRIBUTES/VARIABLE_VALUE"] == 3
  assert ckpt._trace.fn.experimental_get_tracing_count() == 1  # retraced once, then replayed
