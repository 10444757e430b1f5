"""Every Flow-GAN family config parses, builds its model for the data set's
shape and takes one training step (critic + generator) on a batch of 2."""

import os

import gin
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan.data import DataSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = {"digits": DataSpec("digits", (8, 8, 1), 17),
         "mnist": DataSpec("mnist", (28, 28, 1), 256),
         "mnist5k": DataSpec("mnist5k", (28, 28, 1), 256),
         "cifar10": DataSpec("cifar10", (32, 32, 3), 256),
         "celeb_a": DataSpec("celeb_a", (32, 32, 3), 256)}
CONFIGS = ([f"flowgan_{g}_{d}_{m}" for g, d in [("nice", "mnist"), ("realnvp", "cifar10"),
                                                ("realnvp", "digits")]
            for m in ("mle", "adv", "hybrid")]
           + ["nvp1_celeba_wgan", "nvp1_mnist5k_wgan", "nvp3_celeba_wgan", "nvp1_celeba_mle_wgan",
              "nvp3_celeba_fast_critic"])


@pytest.mark.parametrize("name", CONFIGS)
def test_config_builds_and_steps(name):
  gin.clear_config()
  try:
    # Fewer extra samples for the fast-learning critic: a fast test. The CIFAR
    # generator is realnvp_cifar10_mle's (stepped at full size in
    # test_configs; same settings: test below), here with one residual block.
    small = ["realnvp.num_blocks = 1"] if "cifar10" in name else []
    config_lib.parse([os.path.join(ROOT, "configs", name + ".gin")],
                     ["flowgan.num_extra_samples = 2"] + small)
    assert gin.query_parameter("train.model_builder").selector == "flowgan"
    spec = SPECS[gin.query_parameter("train.dataset")]
    model = gin.query_parameter("train.model_builder").scoped_configurable_fn(spec)
    x = tf.random.uniform([2, *spec.shape], 0.01, 0.99, seed=0)
    gen_before = [v.numpy().copy() for v in model.generator.trainable_variables]
    critic_before = [v.numpy().copy() for v in model.critic.trainable_variables]
    logs = model.train_step(x)  # the round's last critic update + the generator update
    for key in ("bits_per_dim", "critic_loss", "wasserstein", "generator_loss"):
      assert np.isfinite(float(logs[key])), key
    assert int(model.generator_steps.numpy()) == 1
    for before, variables in ((gen_before, model.generator.trainable_variables),
                              (critic_before, model.critic.trainable_variables)):
      assert any(not np.array_equal(b, v.numpy()) for b, v in zip(before, variables))
  finally:
    gin.clear_config()


REALNVP_SETTINGS = ("num_scales", "final_couplings", "num_blocks", "hidden", "logit_alpha")


def _realnvp_settings(name):
  gin.clear_config()
  try:
    config_lib.parse([os.path.join(ROOT, "configs", name + ".gin")])
    return {k: gin.query_parameter(f"realnvp.{k}") for k in REALNVP_SETTINGS}
  finally:
    gin.clear_config()


def test_cifar10_flowgan_generators_are_the_mle_configs():
  want = _realnvp_settings("realnvp_cifar10_mle")
  assert want["num_blocks"] == 8
  for mode in ("mle", "adv", "hybrid"):
    assert _realnvp_settings(f"flowgan_realnvp_cifar10_{mode}") == want, mode


def _bindings(name):
  """{(scope/configurable, parameter): value} of one config file."""
  gin.clear_config()
  try:
    config_lib.parse([os.path.join(ROOT, "configs", name + ".gin")])
    return {k: v for k, v in gin.config._CONFIG.items()}  # pylint: disable=protected-access
  finally:
    gin.clear_config()


@pytest.mark.parametrize("mode", ["mle", "adv", "hybrid"])
def test_mnist5k_configs_are_the_mnist_configs(mode):
  """The header's claim: only the data set and the epoch count differ."""
  mnist, small = _bindings(f"flowgan_nice_mnist_{mode}"), _bindings(f"flowgan_nice_mnist5k_{mode}")
  train_key = next(k for k in small if k[1].endswith("train"))
  assert small[train_key].pop("dataset") == "mnist5k" and small[train_key].pop("epochs") == 60
  assert mnist[train_key].pop("dataset") == "mnist" and mnist[train_key].pop("epochs") == 500
  assert small == mnist


@pytest.mark.parametrize("name", ["nvp1_{}_mle", "nvp2_{}_mle", "nvp1_{}_wgan"])
def test_danihelka_mnist5k_configs_are_the_celeba_configs(name):
  """The header's claim: the data, the budget, the precision, the critic's
  cadence, the coupling networks' width (32 for 64) and, for WGAN, the
  in-training critic on training batches (off) differ; the depth and the
  objective do not."""
  celeba, small = _bindings(name.format("celeba")), _bindings(name.format("mnist5k"))
  train_key = next(k for k in small if k[1].endswith("train"))
  for key in ("epochs", "critic_every_epochs"):
    celeba[train_key].pop(key), small[train_key].pop(key)
  assert celeba[train_key].pop("steps_per_epoch") == 5000
  assert celeba[train_key].pop("dataset") == "celeb_a"
  assert celeba[train_key].pop("dataset_kwargs") == {"flip": True}
  assert small[train_key].pop("dataset") == "mnist5k"
  assert small[train_key].pop("precision") == "mixed_bfloat16"
  realnvp_key = next(k for k in small if k[1].endswith("realnvp"))
  assert small[realnvp_key].pop("hidden") == 32 and celeba[realnvp_key].pop("hidden") == 64
  if "wgan" in name:
    flowgan_key = next(k for k in small if k[1].endswith("flowgan"))
    assert small[flowgan_key].pop("independent_critic") is False
    assert celeba[flowgan_key].pop("independent_critic") is True
  assert small == celeba
