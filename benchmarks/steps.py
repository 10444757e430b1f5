"""Train-step throughput of each generator/objective in tf.function and XLA,
under a float32 or a mixed-precision Keras policy."""

import resource
import time

import keras
import numpy as np
import tensorflow as tf

from tfflowgan.data import DataSpec
from tfflowgan.generators import nice, realnvp
from tfflowgan.objectives import flow_mle

SPECS = {"mnist": DataSpec("mnist", (28, 28, 1), 256),
         "cifar10": DataSpec("cifar10", (32, 32, 3), 256),
         "digits": DataSpec("digits", (8, 8, 1), 17)}


def _nice(quick):
  spec = SPECS["mnist"]
  hidden = 256 if quick else 1000
  return flow_mle(spec, generator=lambda s: nice(s, hidden=hidden)), spec


def _nvp(scales, quick, data="cifar10"):
  spec = SPECS[data]
  return flow_mle(spec, generator=lambda s: realnvp(
      s, num_scales=scales, final_couplings=1, num_blocks=1 if quick else 4,
      hidden=32 if quick else 64)), spec


def _optional(module, fn_name):
  try:
    mod = __import__(f"tfflowgan.objectives.{module}", fromlist=[fn_name])
    return getattr(mod, fn_name)
  except (ImportError, AttributeError):
    return None


def _flowgan_hybrid(quick):
  builder = _optional("flowgan", "flowgan")
  if builder is None:
    return None
  from tfflowgan.critics import dcgan_critic
  spec = SPECS["cifar10"]
  return builder(spec, generator=lambda s: realnvp(
      s, num_scales=1, final_couplings=1, num_blocks=1 if quick else 4,
      hidden=32 if quick else 64), critic=dcgan_critic, n_critic=1), spec


def _oneway(quick):
  builder = _optional("oneway", "oneway_model")
  if builder is None:
    return None
  from tfflowgan.critics import dcgan_critic
  from tfflowgan.generators.oneway_networks import dcgan_network
  spec = SPECS["cifar10"]
  return builder(spec, generator=dcgan_network, critic=dcgan_critic, logdet="jvp"), spec


def _avade(quick):
  builder = _optional("avade", "avade")
  if builder is None:
    return None
  spec = SPECS["cifar10"]
  return builder(spec), spec


CASES = {
    "nice_mnist": _nice,
    "nvp1_cifar": lambda quick: _nvp(1, quick),
    "nvp3_cifar": lambda quick: _nvp(3, quick),
    "nvp1_mnist": lambda quick: _nvp(1, quick, "mnist"),  # Danihelka et al.'s NVP1 at 28x28
    "flowgan_hybrid_cifar": _flowgan_hybrid,
    "oneway_jvp_cifar": _oneway,
    "avade_cifar": _avade,
}


def peak_memory_mb():
  """Peak device memory on GPU, else the process's peak resident set (MB)."""
  if tf.config.list_physical_devices("GPU"):
    return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2 ** 20
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seconds_per_call(fn, repeats=3, min_seconds=2.0):
  """Seconds per `fn()` (its outputs read back each call): the mean over at
  least `repeats` calls and `min_seconds`, after one untimed call (trace /
  compile)."""
  tf.nest.map_structure(np.asarray, fn())
  count, start = 0, time.perf_counter()
  while count < repeats or time.perf_counter() - start < min_seconds:
    tf.nest.map_structure(np.asarray, fn())
    count += 1
  return (time.perf_counter() - start) / count


def time_step(step, x, repeats, min_seconds=2.0):
  """Seconds per step: `seconds_per_call` of `step(x)`."""
  return seconds_per_call(lambda: step(x), repeats, min_seconds)


def run_case(name, batch=64, repeats=3, quick=False, precision="float32"):
  """{mode: examples/s} for one case under the global policy `precision`, and
  its peak memory; run in a fresh process."""
  keras.mixed_precision.set_global_policy(precision)
  built = CASES[name](quick)
  if built is None:
    return {"case": name, "skipped": "objective not in this checkout"}
  model, spec = built
  x = tf.random.uniform([batch, *spec.shape], 0.01, 0.99, seed=0)
  row = {"case": name, "batch": batch, "precision": precision}
  modes = {"function": tf.function(model.train_step),
           "xla": tf.function(model.train_step, jit_compile=True)}
  for mode, step in modes.items():
    try:
      row[f"{mode}_ex_per_s"] = batch / time_step(step, x, repeats)
    except Exception as e:  # XLA cannot compile every op (e.g. on CPU)
      row[f"{mode}_ex_per_s"] = None
      row[f"{mode}_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
  row["peak_memory_mb"] = peak_memory_mb()
  if name.startswith(("nvp", "nice")):
    from benchmarks.peak import train_step_flops
    row["train_step_gflop"] = train_step_flops(model.generator, batch) / 1e9
  return row
