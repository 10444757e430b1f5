"""Named data sets: `register_dataset` and `load_splits`."""

from typing import Callable, Dict, NamedTuple

import tensorflow as tf

from tfflowgan.data.spec import DataSpec


class Splits(NamedTuple):
  """Train/validation/test `tf.data.Dataset`s of single raw examples.

  Image sets yield int32 levels of shape `spec.shape`; continuous sets yield
  float32 examples.
  """
  train: tf.data.Dataset
  validation: tf.data.Dataset
  test: tf.data.Dataset
  spec: DataSpec


_LOADERS: Dict[str, Callable[..., Splits]] = {}


def register_dataset(name: str):
  """Decorator: registers `fn(seed=0, **kwargs) -> Splits` under `name`."""
  def wrap(fn):
    _LOADERS[name] = fn
    return fn
  return wrap


def available_datasets():
  return sorted(_LOADERS)


def load_splits(name: str, seed: int = 0, **kwargs) -> Splits:
  """Loads a registered data set by name; unknown names fail with the list."""
  if name not in _LOADERS:
    raise ValueError(
        f"Unknown dataset {name!r}; available: {', '.join(available_datasets())}")
  return _LOADERS[name](seed=seed, **kwargs)
