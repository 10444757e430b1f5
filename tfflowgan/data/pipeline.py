"""Batched `tf.data` pipelines: dequantization and scaling to [0, 1].

Dequantization (Danihelka et al. 2017, sec. 2.4): integer levels k in
{0, ..., L-1} become y = (k + u) / L with u ~ U[0, 1)^D, so the bin width is
1 / L and a density on y gives a lower bound on the discrete log-likelihood.
"""

from typing import Optional

import tensorflow as tf

from tfflowgan.data.spec import DataSpec


def dequantize(levels_int, levels: int, seed=None):
  """y = (k + u) / L, u ~ U[0, 1): continuous values inside each level's bin."""
  k = tf.cast(levels_int, tf.float32)
  if seed is None:
    u = tf.random.uniform(tf.shape(k), dtype=tf.float32)
  else:
    u = tf.random.stateless_uniform(tf.shape(k), seed=seed, dtype=tf.float32)
  return (k + u) / float(levels)


def scale_to_unit(levels_int, levels: int):
  """Bin centres (k + 1/2) / L: deterministic, for display and conditioning."""
  return (tf.cast(levels_int, tf.float32) + 0.5) / float(levels)


def quantize(y, levels: int):
  """Inverse of `dequantize` up to the noise: k = clip(floor(y L), 0, L-1)."""
  k = tf.floor(tf.convert_to_tensor(y, tf.float32) * float(levels))
  return tf.cast(tf.clip_by_value(k, 0.0, float(levels - 1)), tf.int32)


def make_batches(ds: tf.data.Dataset, spec: DataSpec, batch_size: int,
                 training: bool, seed: int = 0, noise: bool = True,
                 cache: bool = True, repeat: bool = False,
                 shuffle_buffer: int = 10000) -> tf.data.Dataset:
  """Batches of float32 examples: dequantized images in [0, 1], or continuous data.

  Args:
    ds: dataset of single raw examples (int32 levels or float32).
    spec: the data set's `DataSpec`.
    batch_size: examples per batch (global batch under a distribution strategy).
    training: shuffle (seeded) and drop the last partial batch.
    seed: shuffle and noise seed; noise differs per epoch, but is reproducible.
    noise: add uniform dequantization noise (else use bin centres).
    cache: cache the raw examples in memory before the random parts.
    repeat: repeat indefinitely (after shuffling).

  Autotuning is off (`without_autotune`): the parallel map runs one call per
  core and the prefetch buffer keeps its default.
  """
  if cache:
    ds = ds.cache()
  if training:
    ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
  if repeat:
    ds = ds.repeat()
  ds = ds.batch(batch_size, drop_remainder=training)
  if spec.is_discrete:
    if noise:
      # A random stream seeded per pipeline: reproducible, fresh each epoch.
      rng = tf.data.Dataset.random(
          seed=seed, rerandomize_each_iteration=True).batch(2)
      ds = tf.data.Dataset.zip((ds, rng)).map(
          lambda x, s: dequantize(x, spec.levels, seed=s),
          num_parallel_calls=tf.data.AUTOTUNE)
    else:
      ds = ds.map(lambda x: scale_to_unit(x, spec.levels),
                  num_parallel_calls=tf.data.AUTOTUNE)
  else:
    ds = ds.map(lambda x: tf.cast(x, tf.float32))
  return without_autotune(ds.prefetch(tf.data.AUTOTUNE))


def without_autotune(ds: tf.data.Dataset) -> tf.data.Dataset:
  """`ds` with tf.data's autotuning off. Its optimisation thread sleeps for a
  period that doubles up to a minute, and in TensorFlow 2.21 deleting an
  iterator sometimes waits out the rest of that period: `model.fit` then
  returned up to 37 s after its last epoch. These pipelines (cached arrays,
  one elementwise map) need no tuning."""
  options = tf.data.Options()
  options.autotune.enabled = False
  return ds.with_options(options)
