"""Bad inputs give `InvalidArgumentError` naming the expected shape, dtype or
range: in Python (`validation`, the serving endpoints called eagerly) and
through a loaded SavedModel; never a silent wrong number."""

import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import export, validation
from tfflowgan.data import DataSpec
from tfflowgan.generators.nice import nice
from tfflowgan.objectives import FlowMLE

SPEC = DataSpec("digits", (8, 8, 1), levels=17)
Error = tf.errors.InvalidArgumentError
SHAPE = r"images must have shape \[batch, 8, 8, 1\] \(rank 4\)"
LEVELS = r"images must hold integer levels in \[0, 16\] \(17 levels, e.g. uint8\)"
GOOD = np.zeros((2, 8, 8, 1), np.uint8)

# (input, message) for the `images` argument of log_prob / encode.
BAD_IMAGES = [
    (np.zeros((2, 4, 4, 1), np.uint8), SHAPE + r"; got shape\W*2,? 4,? 4,? 1\b"),
    (np.zeros((8, 8, 1), np.uint8), SHAPE + r"; got shape\W*8,? 8,? 1\b"),
    (np.zeros((2, 8, 8, 1, 1), np.uint8), SHAPE),
    (np.full((2, 8, 8, 1), 17, np.uint8), LEVELS + r"; got min\W*17\W*max\W*17"),
    (np.full((2, 8, 8, 1), 255, np.uint8), LEVELS),
]


@pytest.fixture(scope="module")
def serving():
  generator = nice(SPEC, num_couplings=2, hidden=16, num_layers=1, logit_alpha=0.05)
  return FlowMLE(generator, SPEC), export.serving_module(FlowMLE(generator, SPEC), SPEC)


@pytest.fixture(scope="module")
def loaded(serving, tmp_path_factory):
  path = tmp_path_factory.mktemp("contract") / "saved_model"
  export.export_model(serving[0], SPEC, path)
  return export.load(path).signatures


# Python: validation helpers and the eager endpoints.
@pytest.mark.parametrize("images, message", BAD_IMAGES)
def test_python_bad_images(serving, images, message):
  with pytest.raises(Error, match=message):
    serving[1].log_prob(images)
  with pytest.raises(Error, match=message):
    serving[1].encode(images)


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 8, 8, 1), np.float32), LEVELS + "; got dtype float32"),
    (np.full((2, 8, 8, 1), -1, np.int32), LEVELS + r"; got min\W*-1"),
    ([["a"]], "images must be a numeric array"),
])
def test_python_bad_dtype_or_sign(serving, images, message):
  with pytest.raises(Error, match=message):
    serving[1].log_prob(images)


def test_python_accepts_any_integer_dtype(serving):
  ref = serving[1].log_prob(GOOD)["log_prob"].numpy()
  for dtype in (np.int32, np.int64, np.uint16):
    np.testing.assert_array_equal(serving[1].log_prob(GOOD.astype(dtype))["log_prob"], ref)


@pytest.mark.parametrize("x, message", [
    (np.full((2, 8, 8, 1), 1.5, np.float32), r"x must be float values in \[0, 1\]; got min\W*1.5"),
    (np.full((2, 8, 8, 1), np.nan, np.float32), r"x must be float values in \[0, 1\]"),
    (np.zeros((2, 64), np.float32), r"x must have shape \[batch, 8, 8, 1\]"),
    (np.zeros((2, 8, 8, 1), np.int32), r"x must be float values in \[0, 1\]; got dtype int32"),
])
def test_python_unit_interval_data(serving, x, message):
  """`check_unit` guards a FlowGenerator's log_prob input (dequantized data)."""
  with pytest.raises(Error, match=message):
    serving[0].generator.log_prob(validation.check_unit(x, SPEC.shape))


def test_python_counts_seeds_and_latents(serving):
  s = serving[1]
  with pytest.raises(Error, match=r"num_samples must be >= 0 and <= 100000; got\W*-3"):
    s.sample(-3, [1, 2])
  with pytest.raises(Error, match=r"num_samples must be a scalar \(rank 0\); got shape \[2\]"):
    s.sample([2, 3], [1, 2])
  with pytest.raises(Error, match=r"num_samples must be an integer scalar; got dtype float32"):
    s.sample(np.float32(2.0), [1, 2])
  with pytest.raises(Error, match=r"seed must be 2 integers \(shape \[2\]\); got shape \[3\]"):
    s.sample(2, [1, 2, 3])
  with pytest.raises(Error, match=r"num_samples must be >= 1 and <= 1000; got\W*0"):
    s.log_prob_dequantized(GOOD, 0, [1, 2])
  with pytest.raises(Error, match=r"z must have shape \[batch, 64\] \(rank 2\); got shape \[2, 63\]"):
    s.decode(np.zeros((2, 63), np.float32))
  with pytest.raises(Error, match=r"z must be float values finite; got min\W*inf"):
    s.decode(np.full((2, 64), np.inf, np.float32))


def test_python_check_shape_in_graph_mode():
  """Unknown static shape (as at a signature): the assert op raises at run time."""
  fn = tf.function(lambda x: validation.check_shape(x, [3], "v"),
                   input_signature=[tf.TensorSpec(None, tf.float32)])
  np.testing.assert_array_equal(fn(tf.zeros([2, 3])), np.zeros([2, 3]))
  with pytest.raises(Error, match=r"v must have shape \[batch, 3\] \(rank 2\); got shape\W*\[2,? 4\]"):
    fn(tf.zeros([2, 4]))
  with pytest.raises(Error, match=r"v must have shape \[batch, 3\] \(rank 2\); got shape\W*\[3\]"):
    fn(tf.zeros([3]))


# Through the loaded SavedModel.
@pytest.mark.parametrize("images, message", BAD_IMAGES)
def test_saved_model_bad_images(loaded, images, message):
  for name in ("log_prob", "encode", "serving_default"):
    with pytest.raises(Error, match=message):
      loaded[name](images=tf.constant(images))


def test_saved_model_bad_dtype_names_uint8(loaded):
  with pytest.raises(Error, match="expected to be a uint8 tensor but is a float tensor"):
    loaded["log_prob"](images=tf.zeros([2, 8, 8, 1]))


def test_saved_model_bad_counts_and_latents(loaded):
  with pytest.raises(Error, match=r"num_samples must be >= 0 and <= 100000; got\W*-1"):
    loaded["sample"](num_samples=tf.constant(-1), seed=tf.constant([1, 2]))
  with pytest.raises(Error, match=r"num_samples must be >= 1 and <= 1000; got\W*5000"):
    loaded["log_prob_dequantized"](images=tf.constant(GOOD), num_samples=tf.constant(5000),
                                   seed=tf.constant([1, 2]))
  with pytest.raises(Error, match=r"z must have shape \[batch, 64\] \(rank 2\); got shape\W*\[2 8 8 1\]"):
    loaded["decode"](z=tf.zeros([2, 8, 8, 1]))
  with pytest.raises(Error, match=r"z must be float values finite"):
    loaded["decode"](z=tf.fill([1, 64], np.nan))


def test_saved_model_good_input_still_works(loaded, serving):
  out = loaded["log_prob"](images=tf.constant(GOOD))
  np.testing.assert_allclose(out["log_prob"], serving[1].log_prob(GOOD)["log_prob"], atol=1e-5)
  empty = loaded["log_prob"](images=tf.zeros([0, 8, 8, 1], tf.uint8))["log_prob"]
  assert empty.shape == (0,)
