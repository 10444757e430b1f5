"""Input contract: rank, shape, dtype and range checks with clear errors.

Every check raises `tf.errors.InvalidArgumentError` whose message names what
was expected (shape, dtype, range) and what came. Problems visible from the
static shape and dtype raise at once in Python; values, and shapes unknown
until run time (inside a `tf.function` or a SavedModel signature), are checked
by assert ops that raise the same error when the graph runs.
"""

import numpy as np
import tensorflow as tf


def fail(message):
  """Raises `tf.errors.InvalidArgumentError(message)` from Python."""
  raise tf.errors.InvalidArgumentError(None, None, message)


def _assert(ok, message, data=()):
  """An assert op (graph), or at once in eager mode an error reading
  "<message> <data>" when `ok` is False."""
  if tf.executing_eagerly():
    if not bool(ok):
      fail(" ".join([message] + [str(np.asarray(d).tolist()) for d in data]))
    return tf.no_op()
  return tf.debugging.Assert(ok, [message, *data], summarize=16)


def check_shape(x, shape, name="x"):
  """x of shape [batch, *shape]; returns x with that static shape."""
  shape = [int(s) for s in shape]
  desc = f"{name} must have shape [batch, {', '.join(map(str, shape))}] (rank {len(shape) + 1})"
  static = x.shape
  if static.rank is not None:
    dims = static.as_list()
    if len(dims) != len(shape) + 1 or any(
        d is not None and d != e for d, e in zip(dims[1:], shape)):
      fail(f"{desc}; got shape {dims}")
    if None not in dims[1:]:
      return x
  dyn = tf.shape(x)
  ok = tf.cond(tf.equal(tf.size(dyn), len(shape) + 1),
               lambda: tf.reduce_all(tf.equal(dyn[1:], shape)),
               lambda: tf.constant(False))
  with tf.control_dependencies([_assert(ok, desc + "; got shape", [dyn])]):
    x = tf.identity(x)
  return tf.ensure_shape(x, [None, *shape])


def _as_tensor(x, name):
  if isinstance(x, (tf.Tensor, tf.Variable)):
    return tf.convert_to_tensor(x)
  arr = np.asarray(x)
  if arr.dtype == object or arr.dtype.kind in "USV":
    fail(f"{name} must be a numeric array; got dtype {arr.dtype}")
  return tf.convert_to_tensor(arr)


def check_levels(images, shape, levels, name="images"):
  """Integer levels k in {0, ..., levels - 1} of shape [batch, *shape]
  (uint8 at the serving signatures; any integer dtype in Python).
  Returns int32 levels."""
  images = _as_tensor(images, name)
  expected = f"integer levels in [0, {levels - 1}] ({levels} levels, e.g. uint8)"
  if not images.dtype.is_integer:
    fail(f"{name} must hold {expected}; got dtype {images.dtype.name}")
  images = check_shape(images, shape, name)
  if images.dtype == tf.uint8 and levels >= 256:
    return tf.cast(images, tf.int32)
  lo, hi = tf.reduce_min(images), tf.reduce_max(images)
  ok = tf.logical_and(lo >= 0, hi <= levels - 1)
  with tf.control_dependencies([_assert(ok, f"{name} must hold {expected}; got min",
                                        [lo, "max", hi])]):
    return tf.cast(images, tf.int32)


def check_float(x, shape, name="x", low=None, high=None):
  """Finite float values of shape [batch, *shape], inside [low, high] if
  given. Returns float32."""
  x = _as_tensor(x, name)
  what = "finite" if low is None else f"in [{low:g}, {high:g}]"
  if not x.dtype.is_floating:
    fail(f"{name} must be float values {what}; got dtype {x.dtype.name}")
  x = check_shape(tf.cast(x, tf.float32), shape, name)
  ok = tf.reduce_all(tf.math.is_finite(x))
  if low is not None:
    ok = tf.logical_and(ok, tf.reduce_all((x >= low) & (x <= high)))
  lo, hi = tf.reduce_min(x), tf.reduce_max(x)
  with tf.control_dependencies([_assert(ok, f"{name} must be float values {what}; "
                                        "got min", [lo, "max", hi])]):
    return tf.identity(x)


def check_unit(x, shape, name="x"):
  """Dequantized data y = (k + u) / L in [0, 1]^D, shape [batch, *shape]."""
  return check_float(x, shape, name, 0.0, 1.0)


def check_count(n, name="num_samples", minimum=0, maximum=None):
  """A scalar integer count in [minimum, maximum]; returns int32."""
  n = _as_tensor(n, name)
  if not n.dtype.is_integer:
    fail(f"{name} must be an integer scalar; got dtype {n.dtype.name}")
  if n.shape.rank is not None and n.shape.rank != 0:
    fail(f"{name} must be a scalar (rank 0); got shape {n.shape.as_list()}")
  n = tf.cast(n, tf.int32)
  ok = n >= minimum if maximum is None else tf.logical_and(n >= minimum, n <= maximum)
  upper = "" if maximum is None else f" and <= {maximum}"
  with tf.control_dependencies([_assert(ok, f"{name} must be >= {minimum}{upper}; got", [n])]):
    return tf.identity(n)


def check_seed(seed, name="seed"):
  """A stateless RNG seed: two integers, shape [2]; returns int32."""
  seed = _as_tensor(seed, name)
  if not seed.dtype.is_integer:
    fail(f"{name} must be 2 integers (shape [2]); got dtype {seed.dtype.name}")
  if seed.shape.rank is not None and seed.shape.as_list() != [2]:
    fail(f"{name} must be 2 integers (shape [2]); got shape {seed.shape.as_list()}")
  return tf.ensure_shape(tf.cast(seed, tf.int32), [2])
