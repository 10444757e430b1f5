"""2D Gaussian mixtures of VEEGAN (Srivastava et al. 2017), used by the one-way
flow paper (Ben-Dov et al., Sec. 3.1, Table 1).

- `ring`: 8 equal components at angles 2 pi k / 8, k = 0..7, radius 1, std 0.01.
  (Several public copies use `linspace(0, 2 pi, 8)`, which repeats the angle 0
  and gives only 7 distinct modes; here the 8 angles are distinct.)
- `grid`: 25 equal components at {-4, -2, 0, 2, 4}^2, std 0.05.

Registered as data sets 'ring' and 'grid' (continuous, `DataSpec(name, (2,), None)`).
Splits are drawn with `split_seed` only (like the image sets, they never depend
on the training seed): 50,000 train, 5,000 validation, 5,000 test by default.
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf

from tfflowgan.data.registry import Splits, register_dataset
from tfflowgan.data.spec import DataSpec


@dataclasses.dataclass(frozen=True)
class Mixture:
  """Equal-weight isotropic Gaussian mixture in 2D."""
  name: str
  means: np.ndarray  # [K, 2] float64
  std: float

  @property
  def num_modes(self) -> int:
    return len(self.means)


def ring_mixture(num_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
  angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
  means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
  return Mixture("ring", means, std)


def grid_mixture(std: float = 0.05) -> Mixture:
  ticks = np.arange(-4.0, 5.0, 2.0)
  means = np.array([(a, b) for a in ticks for b in ticks])
  return Mixture("grid", means, std)


MIXTURES = {"ring": ring_mixture(), "grid": grid_mixture()}


def get_mixture(name_or_mixture) -> Mixture:
  if isinstance(name_or_mixture, Mixture):
    return name_or_mixture
  if name_or_mixture not in MIXTURES:
    raise ValueError(f"Unknown mixture {name_or_mixture!r}; known: {sorted(MIXTURES)}")
  return MIXTURES[name_or_mixture]


def sample(mixture, n: int, seed: int = 0) -> np.ndarray:
  """n points [n, 2] float32 from the mixture; deterministic given `seed`."""
  m = get_mixture(mixture)
  rng = np.random.default_rng(seed)
  k = rng.integers(0, m.num_modes, size=n)
  x = m.means[k] + m.std * rng.standard_normal((n, 2))
  return x.astype(np.float32)


def log_prob(mixture, x):
  """Exact log-density of the mixture at x [..., 2] (a float32 tf.Tensor).

  log p(x) = logsumexp_k [-|x - mu_k|^2 / (2 s^2)] - log K - log(2 pi s^2).
  """
  m = get_mixture(mixture)
  x = tf.convert_to_tensor(x, tf.float32)
  mu = tf.constant(m.means, tf.float32)
  sq = tf.reduce_sum(tf.square(x[..., None, :] - mu), axis=-1)
  norm = math.log(m.num_modes) + math.log(2.0 * math.pi * m.std ** 2)
  return tf.reduce_logsumexp(-sq / (2.0 * m.std ** 2), axis=-1) - norm


def mixture_splits(name: str, split_seed: int = 0, num_train: int = 50000,
                   num_validation: int = 5000, num_test: int = 5000) -> Splits:
  """Train/validation/test datasets of single float32 [2] points."""
  make = lambda n, i: tf.data.Dataset.from_tensor_slices(
      sample(name, n, seed=[split_seed, i]))
  return Splits(make(num_train, 0), make(num_validation, 1), make(num_test, 2),
                DataSpec(name, (2,), None))


@register_dataset("ring")
def load_ring(seed: int = 0, split_seed: int = 0, **kwargs) -> Splits:
  del seed  # Splits are fixed by split_seed alone.
  return mixture_splits("ring", split_seed, **kwargs)


@register_dataset("grid")
def load_grid(seed: int = 0, split_seed: int = 0, **kwargs) -> Splits:
  del seed
  return mixture_splits("grid", split_seed, **kwargs)
