"""WGAN-GP with the one-way DCGAN networks: the critic loss against a closed
form, n_critic critic updates per step, runner, evaluation suite and export
of a model without a likelihood."""

import json
import os

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan import export
from tfflowgan.data import load_splits
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import independent_critic, suite
from tfflowgan.generators.oneway_networks import mlp_network
from tfflowgan.objectives import wgan_gp
from tfflowgan.objectives.base import NoLikelihoodError
from tfflowgan.objectives.common import adam

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = DataSpec("tiny", (2, 2, 1), 256)
DIGITS = DataSpec("digits", (8, 8, 1), 17)
CONFIGS = {"wgan_gp_digits": DIGITS, "wgan_gp_mnist5k": DataSpec("mnist5k", (28, 28, 1), 256),
           "wgan_gp_celeba": DataSpec("celeb_a", (32, 32, 3), 256),
           "wgan_gp_cifar10": DataSpec("cifar10", (32, 32, 3), 256)}


def linear_critic(a, b=0.3):
  """f(x) = a . vec(x) + b."""
  inputs = keras.Input(TINY.shape)
  dense = keras.layers.Dense(1)
  outputs = dense(keras.layers.Flatten()(inputs))
  model = keras.Model(inputs, outputs)
  dense.set_weights([np.asarray(a, np.float32)[:, None], np.float32([b])])
  return model


def tiny_model(critic=None, critic_steps=5, spec=TINY):
  keras.utils.set_random_seed(0)
  return wgan_gp.wgan_gp_model(
      spec, generator=lambda shape: mlp_network(shape, hidden=(8,)),
      critic=(lambda shape: critic) if critic is not None else linear_critic_builder,
      latent_dim=2, critic_steps=critic_steps,
      d_optimizer=lambda: adam(1e-3), g_optimizer=lambda: adam(1e-3))


def linear_critic_builder(shape):
  del shape
  return linear_critic([0.5, -1.0, 2.0, 0.25])


def test_critic_loss_is_the_closed_form_on_a_linear_critic():
  """f(x) = a.x: d_loss = mean a.x_g - mean a.x + lambda (||a|| - 1)^2, since
  grad f = a at every x_hat whatever eps."""
  a = np.array([0.5, -1.0, 2.0, 0.25])
  model = tiny_model(linear_critic(a))
  rng = np.random.default_rng(1)
  x, x_g = (rng.uniform(size=(6, 2, 2, 1)).astype(np.float32) for _ in range(2))
  eps = rng.uniform(size=6).astype(np.float32)
  d_loss, w, penalty = model.critic_loss(x, x_g, eps)
  w_ref = (x.reshape(6, 4) @ a).mean() - (x_g.reshape(6, 4) @ a).mean()
  penalty_ref = (np.linalg.norm(a) - 1.0) ** 2
  np.testing.assert_allclose(w.numpy(), w_ref, rtol=1e-5)
  np.testing.assert_allclose(penalty.numpy(), penalty_ref, rtol=1e-5)
  np.testing.assert_allclose(d_loss.numpy(), -w_ref + 10.0 * penalty_ref, rtol=1e-5)
  np.testing.assert_allclose(model.generator_loss(x_g).numpy(),
                             -(x_g.reshape(6, 4) @ a + 0.3).mean(), rtol=1e-5)


def test_one_train_step_makes_n_critic_critic_updates_and_one_generator_update():
  model = tiny_model(critic_steps=3)
  step = tf.function(model.train_step)  # the schedule runs inside one traced call
  x = tf.random.uniform([8, *TINY.shape], seed=0)
  d0 = [v.numpy().copy() for v in model.critic.trainable_variables]
  g0 = [v.numpy().copy() for v in model.generator.trainable_variables]
  logs = step(x)
  assert int(model.d_optimizer.iterations.numpy()) == 3
  assert int(model.g_optimizer.iterations.numpy()) == 1
  step(x)
  assert int(model.d_optimizer.iterations.numpy()) == 6
  assert int(model.g_optimizer.iterations.numpy()) == 2
  assert all(np.isfinite(float(v)) for v in logs.values())
  assert any(not np.allclose(b, v.numpy()) for b, v in zip(d0, model.critic.trainable_variables))
  assert any(not np.allclose(b, v.numpy())
             for b, v in zip(g0, model.generator.trainable_variables))


def test_critic_update_follows_the_gradient_of_the_wgan_gp_loss():
  """With SGD and one critic step, the linear critic moves by -lr * grad d_loss:
  d/da [mean a.x_g - mean a.x + lambda (||a|| - 1)^2] (the generator's samples
  recomputed from the same seed)."""
  a = np.array([0.5, -1.0, 2.0, 0.25])
  keras.utils.set_random_seed(0)
  gen = wgan_gp.oneway_generator(TINY, network=lambda s: mlp_network(s, hidden=(8,)),
                                 latent_dim=2)
  critic = linear_critic(a)
  model = wgan_gp.WGANGP(gen, critic, TINY, critic_steps=1,
                         d_optimizer=keras.optimizers.SGD(0.1),
                         g_optimizer=keras.optimizers.SGD(0.0))
  x = np.random.default_rng(2).uniform(size=(5, 2, 2, 1)).astype(np.float32)
  tf.random.set_seed(7)
  model.train_step(tf.constant(x))
  tf.random.set_seed(7)
  x_g = gen.sample(5, training=True).numpy().reshape(5, 4)
  norm = np.linalg.norm(a)
  grad = x_g.mean(0) - x.reshape(5, 4).mean(0) + 10.0 * 2 * (norm - 1) * a / norm
  np.testing.assert_allclose(critic.layers[-1].get_weights()[0][:, 0], a - 0.1 * grad,
                             rtol=1e-4, atol=1e-5)


def test_log_prob_raises_a_clear_error():
  model = tiny_model()
  assert model.likelihood_kind == "none"
  with pytest.raises(NoLikelihoodError, match="has no likelihood"):
    model.log_prob(tf.zeros([1, *TINY.shape]))


def test_samples_are_seeded_images_in_the_unit_interval():
  model = tiny_model()
  a, b = model.sample(5, seed=tf.constant([3, 0])), model.sample(5, seed=tf.constant([3, 0]))
  assert a.shape == (5, *TINY.shape) and a.min() >= 0 and a.max() <= 1
  np.testing.assert_array_equal(a, b)


def test_suite_skips_the_likelihood_stage_with_the_reason(tmp_path):
  model = _digits_model()
  splits = load_splits("digits")
  cfg = suite.SuiteConfig(stages=("likelihood", "jacobian", "independent_critic"),
                          max_examples=200, num_samples=200, critic_fake_pool=200,
                          jacobian_samples=2,
                          critic=independent_critic.CriticSettings(steps=5, base_filters=8))
  ev = suite.run_suite(model, splits, str(tmp_path), cfg, log=lambda s: None)
  assert ev["errors"] == {}
  assert ev["skipped"] == {"likelihood": "WGANGP has no likelihood (likelihood_kind 'none')"}
  assert ev["likelihood_kind"] == "none"
  assert np.isfinite(ev["independent_critic"]["distance"]["test"])
  assert ev["jacobian"]["jacobian_shape"] == [64, 64]


def _digits_model():
  keras.utils.set_random_seed(0)
  from tfflowgan.critics.dcgan import dcgan_critic
  from tfflowgan.generators.oneway_networks import dcgan_network
  return wgan_gp.wgan_gp_model(DIGITS, generator=lambda s: dcgan_network(s, base_filters=8),
                               critic=lambda s: dcgan_critic(s, base_filters=8, norm="layer"),
                               latent_dim=32, critic_steps=2)


def test_export_serves_samples_only(tmp_path):
  model = _digits_model()
  serving = export.serving_module(model, DIGITS)
  assert set(serving.signatures()) == {"sample", "metadata"}
  export.export_model(model, DIGITS, tmp_path / "saved")
  out = export.load(tmp_path / "saved").signatures["sample"](
      num_samples=tf.constant(3), seed=tf.constant([1, 2]))
  assert out["images"].dtype == tf.uint8 and out["images"].shape == (3, 8, 8, 1)
  assert int(tf.reduce_max(out["images"])) < 17
  np.testing.assert_allclose(out["values"].numpy(), model.generator.sample(
      3, seed=tf.constant([1, 2])).numpy(), atol=1e-6)


def test_trains_under_the_runner_and_writes_samples(tmp_path):
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  bindings = ["train.epochs = 1", "train.steps_per_epoch = 2", "train.num_samples = 4",
              "train.fid_every_epochs = 0", "dcgan_network.base_filters = 8",
              "dcgan_critic.base_filters = 8", "train.verbose = 0"]
  gin.clear_config()
  try:
    config_lib.parse([os.path.join(ROOT, "configs", "wgan_gp_digits.gin")], bindings)
    metrics = training.train(str(tmp_path))
  finally:
    gin.clear_config()
  assert metrics["optimizer_iterations"] == {"d_optimizer": 10, "g_optimizer": 2}
  assert np.isfinite(metrics["test_wasserstein"]) and "test_bits_per_dim" not in metrics
  assert (tmp_path / "samples.png").is_file()
  assert json.load(open(tmp_path / "metrics.json"))["train_steps"] == 2


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_builds_and_steps(name):
  gin.clear_config()
  try:
    config_lib.parse([os.path.join(ROOT, "configs", name + ".gin")])
    spec = CONFIGS[name]
    assert gin.query_parameter("train.dataset") == spec.name
    builder = gin.query_parameter("train.model_builder").scoped_configurable_fn
    model = builder(spec)
    logs = model.train_step(tf.random.uniform([2, *spec.shape], seed=0))
  finally:
    gin.clear_config()
  assert int(model.d_optimizer.iterations.numpy()) == model.critic_steps == 5
  assert all(np.isfinite(float(v)) for v in logs.values())
