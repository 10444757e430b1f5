"""AV-ADE's decoder with Lucas et al.'s isotropic variance (sec. 5: one
trainable sigma shared by every pixel): its log-likelihood is a numpy
Gaussian log-density with that one sigma, training moves that one scalar, and
the configs that reproduce the paper's CIFAR-10 models use it."""

import math
import os

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan.data import DataSpec
from tfflowgan.generators.iaf import Posterior
from tfflowgan.generators.vae import ConvDecoder, ConvEncoder, FeatureMap
from tfflowgan.objectives.avade import AVADE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = DataSpec("tiny", (8, 8, 2), 17)
PAPER_CONFIGS = tuple(f"{v}_{d}" for d in ("cifar10", "mnist5k")
                      for v in ("vae", "vade", "avgde", "avade"))


def _model(feature_map, latent_dim=3, seed=0):
  keras.utils.set_random_seed(seed)
  fmap = FeatureMap(SPEC.shape, num_blocks=1, hidden=8, logit_alpha=0.05) if feature_map \
      else None
  return AVADE(SPEC, ConvEncoder(latent_dim, 4, 16), ConvDecoder(SPEC.shape, 4, "isotropic"),
               Posterior(latent_dim, 0, 8), fmap)


def _numpy_log_density(f, mean, sigma):
  """sum over pixels of log N(f; mean, sigma^2), one sigma for all, float64."""
  f, mean = np.asarray(f, np.float64), np.asarray(mean, np.float64)
  d = f[0].size
  sq = ((f - mean) ** 2).reshape(len(f), -1).sum(-1)
  return -0.5 * sq / sigma ** 2 - d * math.log(sigma) - 0.5 * d * math.log(2 * math.pi)


@pytest.mark.parametrize("feature_map", [False, True])
def test_reconstruction_term_is_a_gaussian_with_one_shared_sigma(feature_map):
  model = _model(feature_map)
  assert model.decoder.log_scale.shape == (1,)  # one parameter, not one per pixel
  model.decoder.log_scale.assign([math.log(0.37)])
  rng = np.random.RandomState(1)
  x = tf.constant(((rng.randint(0, 17, (5, *SPEC.shape)) + rng.rand(5, *SPEC.shape)) / 17)
                  .astype(np.float32))
  eps = tf.constant(rng.randn(5, 3).astype(np.float32))
  terms = model.coverage(x, eps)
  # The same z (Gaussian posterior: z = mu + sigma_q * eps) and feature f, by hand.
  mu, log_sigma, _ = model.encoder(x)
  z = mu + tf.exp(log_sigma) * eps
  mean, _ = model.decoder(z)
  f, _ = model.features(x)
  expected = _numpy_log_density(f, mean, 0.37)
  np.testing.assert_allclose(-terms["recon"].numpy(), expected, rtol=1e-5, atol=1e-3)


def test_training_moves_the_one_scalar():
  model = _model(False)
  model.compile()
  before = float(model.decoder.log_scale.numpy()[0])
  x = tf.fill([8, *SPEC.shape], 0.5) + tf.random.uniform([8, *SPEC.shape], 0, 1 / 17)
  model.train_step(x)
  after = model.decoder.log_scale.numpy()
  assert after.shape == (1,) and float(after[0]) != before
  _, log_scale = model.decoder(tf.zeros([2, 3]))
  assert np.all(log_scale.numpy() == after[0])


@pytest.mark.parametrize("name", PAPER_CONFIGS)
def test_the_papers_configs_use_the_isotropic_variance(name):
  try:
    gin.clear_config()
    config_lib.parse([os.path.join(ROOT, "configs", f"{name}.gin")], [])
    assert gin.query_parameter("vae_decoder.variance") == "isotropic"
  finally:
    gin.clear_config()
