"""SavedModel export with serving signatures (see docs/serving.md).

Flows (`FlowMLE`, `FlowGAN`: a model whose `.generator` is a `FlowGenerator`):
  log_prob(images)                          -> log_prob, bits_per_dim
  log_prob_dequantized(images, num_samples, seed)
                                            -> log_prob, log_prob_iw, bits_per_dim
  sample(num_samples, seed)                 -> images, values, log_density, bits_per_dim
  encode(images)                            -> z
  decode(z)                                 -> images, values
One-way flows (`OneWayFlowGAN`):
  log_density(images or values)             -> log_density[, log_prob, bits_per_dim], log_zeta
  sample(num_samples, seed)                 -> [images,] values, log_density[, bits_per_dim]
Models without a likelihood (`likelihood_kind` 'none', e.g. `WGANGP`):
  sample(num_samples, seed)                 -> [images,] values
All: metadata() -> shape, levels (0: continuous data), num_dims; the first
signature is also `serving_default`.

Images are integer levels k (uint8, [batch, *shape], k < L). `log_prob` is in
the discrete-data space: log p((k + 1/2) / L) - D log L (the density at the bin
centres times the bin volume, no dequantization noise). `log_prob_dequantized`
averages over K uniform noise draws u: E_u[log p((k + u) / L)] - D log L, the
lower bound on log P(k) that training reports; `log_prob_iw` is the tighter
log-mean-exp bound. Continuous data sets (levels None) take float32 values.
"""

import math
import os

import keras
import tensorflow as tf

from tfflowgan import validation
from tfflowgan.data.pipeline import quantize
from tfflowgan.data.units import bits_per_dim
from tfflowgan.generators.logdet import standard_normal_log_prob

MAX_SAMPLES = 100000  # per call of `sample`


def _n_spec():
  return tf.TensorSpec([], tf.int32, name="num_samples")


def _seed_spec():
  return tf.TensorSpec([2], tf.int32, name="seed")


class _Serving:
  """The endpoints as plain methods: callable eagerly from Python (any
  integer dtype for images; errors from `validation`), and exported with
  the input signatures of `signatures()`."""

  def __init__(self, spec):
    self.shape, self.levels, self.num_dims = tuple(spec.shape), spec.levels, spec.num_dims

  def metadata(self):
    return {"shape": tf.constant(self.shape, tf.int32),
            "levels": tf.constant(self.levels or 0, tf.int32),
            "num_dims": tf.constant(self.num_dims, tf.int32)}

  def data_spec(self):
    if self.levels:
      return tf.TensorSpec(None, tf.uint8, name="images")
    return tf.TensorSpec(None, tf.float32, name="values")

  def inputs(self, x):
    """Validated model inputs: bin centres (k + 1/2) / L, or float values."""
    if not self.levels:
      return validation.check_float(x, self.shape, "values")
    k = validation.check_levels(x, self.shape, self.levels, "images")
    return (tf.cast(k, tf.float32) + 0.5) / float(self.levels)

  def outputs(self, x, log_density):
    """Sample outputs: values, their log-density, uint8 images and bits/dim."""
    out = {"values": x, "log_density": log_density}
    if self.levels:
      out["images"] = tf.cast(quantize(x, self.levels), tf.uint8)
      out["bits_per_dim"] = bits_per_dim(log_density, self.num_dims, self.levels)
    return out

  def signatures(self):
    """{endpoint name: input signature}, the first one also 'serving_default'."""
    raise NotImplementedError


class FlowServing(_Serving):
  """Endpoints of an invertible flow (module doc)."""

  def __init__(self, generator, spec):
    super().__init__(spec)
    if not spec.levels:
      raise ValueError("FlowServing needs discrete data (spec.levels)")
    self.generator = generator

  def signatures(self):
    images = self.data_spec()
    return {"log_prob": [images],
            "log_prob_dequantized": [images, _n_spec(), _seed_spec()],
            "sample": [_n_spec(), _seed_spec()], "encode": [images],
            "decode": [tf.TensorSpec(None, tf.float32, name="z")], "metadata": []}

  def _discrete(self, log_p_unit):
    """log P in the discrete space from log p on [0, 1]^D (nats)."""
    return log_p_unit - self.num_dims * math.log(self.levels)

  def _bits(self, log_p):
    return log_p / (-self.num_dims * math.log(2.0))

  def log_prob(self, images):
    log_p = self._discrete(self.generator.log_prob(self.inputs(images)))
    return {"log_prob": log_p, "bits_per_dim": self._bits(log_p)}

  def log_prob_dequantized(self, images, num_samples, seed):
    k = validation.check_levels(images, self.shape, self.levels, "images")
    draws = validation.check_count(num_samples, "num_samples", 1, 1000)
    batch = tf.shape(k)[0]
    u = tf.random.stateless_uniform(tf.concat([[draws, batch], self.shape], 0),
                                    validation.check_seed(seed))
    y = (tf.cast(k, tf.float32)[None] + u) / float(self.levels)
    log_p_unit = self.generator.log_prob(tf.reshape(y, [-1, *self.shape]))
    log_p = self._discrete(tf.reshape(log_p_unit, [draws, batch]))
    mean = tf.reduce_mean(log_p, 0)
    iw = tf.reduce_logsumexp(log_p, 0) - tf.math.log(tf.cast(draws, tf.float32))
    return {"log_prob": mean, "log_prob_iw": iw, "bits_per_dim": self._bits(mean)}

  def sample(self, num_samples, seed):
    n = validation.check_count(num_samples, "num_samples", 0, MAX_SAMPLES)
    x, log_p = self.generator.distribution.experimental_sample_and_log_prob(
        n, seed=validation.check_seed(seed))
    return self.outputs(x, log_p)

  def encode(self, images):
    return {"z": self.generator.encode(self.inputs(images))}

  def decode(self, z):
    x = self.generator.decode(validation.check_float(z, [self.num_dims], "z"))
    return {"values": x, "images": tf.cast(quantize(x, self.levels), tf.uint8)}


class OneWayServing(_Serving):
  """Endpoints of a one-way flow: P_D from the critic with the stored log
  zeta, P_G estimates at the generator's own samples."""

  def __init__(self, model, spec):
    super().__init__(spec)
    self.generator, self.critic = model.generator, model.critic
    self.log_zeta, self.entropy_weight = model.log_zeta, float(model.entropy_weight)

  def signatures(self):
    return {"log_density": [self.data_spec()], "sample": [_n_spec(), _seed_spec()],
            "metadata": []}

  def log_density(self, x):
    energy = tf.reshape(self.critic(self.inputs(x), training=False), [-1]) / self.entropy_weight
    log_density = energy - self.log_zeta
    out = {"log_density": log_density, "log_zeta": tf.identity(self.log_zeta)}
    if self.levels:
      out["log_prob"] = log_density - self.num_dims * math.log(self.levels)
      out["bits_per_dim"] = bits_per_dim(log_density, self.num_dims, self.levels)
    return out

  def sample(self, num_samples, seed):
    n = validation.check_count(num_samples, "num_samples", 0, MAX_SAMPLES)
    u = self.generator.sample_inputs(n, seed=validation.check_seed(seed))
    x, logdet = self.generator.forward_with_logdet(u, training=False)
    return self.outputs(x, standard_normal_log_prob(u) - logdet)


class SampleServing(_Serving):
  """Endpoints of a generator without a density: samples only."""

  def __init__(self, generator, spec):
    super().__init__(spec)
    self.generator = generator

  def signatures(self):
    return {"sample": [_n_spec(), _seed_spec()], "metadata": []}

  def sample(self, num_samples, seed):
    n = validation.check_count(num_samples, "num_samples", 0, MAX_SAMPLES)
    x = self.generator.sample(n, seed=validation.check_seed(seed))
    out = {"values": x}
    if self.levels:
      out["images"] = tf.cast(quantize(x, self.levels), tf.uint8)
    return out


def serving_module(model, spec) -> _Serving:
  """The endpoints of a trained model (flow, one-way flow, or a generator
  without a likelihood)."""
  if model.likelihood_kind == "none":
    return SampleServing(model.generator, spec)
  if model.flow is not None:
    return FlowServing(model.flow, spec)
  if model.energy is not None:
    return OneWayServing(model, spec)
  raise TypeError(f"cannot export {type(model).__name__}: no flow generator or "
                  "energy with log zeta")


def export_model(model, spec, path):
  """Writes `model`'s SavedModel (a Keras `ExportArchive`: variables and
  signatures only, loadable by TF Serving and `saved_model_cli`) to `path`."""
  serving = serving_module(model, spec)
  archive = keras.export.ExportArchive()
  for name in ("generator", "critic"):
    if isinstance(getattr(serving, name, None), keras.layers.Layer):
      archive.track(getattr(serving, name))
  for name, signature in serving.signatures().items():
    archive.add_endpoint(name, getattr(serving, name), input_signature=signature)
  archive.write_out(os.fspath(path), verbose=False)
  return serving


def export_workdir(workdir, path, checkpoint=None):
  """Rebuilds a `scripts/train.py` run from `workdir/config.gin`, restores
  its latest (or the given) checkpoint, and exports it to `path`; a one-way
  model's log zeta is first the one the runner and the evaluation report
  (`evaluation.final.final_log_zeta`)."""
  from tfflowgan import workdir as workdir_lib  # pylint: disable=g-import-not-at-top
  model, spec, info = workdir_lib.restore_workdir(workdir, checkpoint)
  if model.energy is not None:  # serve the log zeta the evaluation reports
    from tfflowgan.evaluation import final  # pylint: disable=g-import-not-at-top
    info = dict(info, **final.final_log_zeta(model, restored=True))
  export_model(model, spec, path)
  return info


def load(path):
  """`tf.saved_model.load(path)`: call `.signatures[name](**inputs)`."""
  return tf.saved_model.load(os.fspath(path))
