"""Every MLE config parses, builds its model and takes one training step."""

import glob
import os

import gin
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan.data import DataSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = {"digits": DataSpec("digits", (8, 8, 1), 17), "mnist": DataSpec("mnist", (28, 28, 1), 256),
         "mnist5k": DataSpec("mnist5k", (28, 28, 1), 256),
         "cifar10": DataSpec("cifar10", (32, 32, 3), 256),
         "celeb_a": DataSpec("celeb_a", (32, 32, 3), 256)}
MLE_CONFIGS = ["nice_mnist_mle", "nice_digits_mle", "realnvp_cifar10_mle", "realnvp_digits_mle",
               "nvp1_celeba_mle", "nvp2_celeba_mle", "nvp3_celeba_mle", "nvp1_mnist5k_mle",
               "nvp2_mnist5k_mle"]


@pytest.mark.parametrize("name", MLE_CONFIGS)
def test_config_builds_and_steps(name):
  gin.clear_config()
  config_lib.parse([os.path.join(ROOT, "configs", name + ".gin")])
  spec = SPECS[gin.query_parameter("train.dataset")]
  builder = gin.query_parameter("train.model_builder").scoped_configurable_fn
  model = builder(spec)
  x = tf.random.uniform([2, *spec.shape], 0.01, 0.99, seed=0)
  before = [v.numpy().copy() for v in model.trainable_variables]
  logs = model.train_step(x)
  assert np.isfinite(float(logs["bits_per_dim"]))
  assert any(not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables))
  gin.clear_config()


def test_every_config_file_parses():
  for path in sorted(glob.glob(os.path.join(ROOT, "configs", "*.gin"))):
    gin.clear_config()
    config_lib.parse([path])
  gin.clear_config()
