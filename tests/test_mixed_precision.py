"""Mixed precision: under Keras' 'mixed_bfloat16' and 'mixed_float16' policies
every objective steps with float32 losses and log-probs; a flow's bits/dim on
the same weights stays within 0.01 of float32's; float16 training scales its
losses; `train.precision` sets the policy and names a bad value, and a workdir
trained under bf16 exports float32 log-probs."""

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib, critics
from tfflowgan.data import DataSpec, load_splits
from tfflowgan.data.units import bits_per_dim
from tfflowgan.errors import ConfigError
from tfflowgan.generators import nice, realnvp
from tfflowgan.generators.oneway_networks import dcgan_network, mlp_network
from tfflowgan.objectives import flow_mle
from tfflowgan.objectives.avade import avade
from tfflowgan.objectives.flowgan import flowgan
from tfflowgan.objectives.oneway import oneway_model
from tfflowgan.objectives.wgan_gp import wgan_gp_model

DIGITS = DataSpec("digits", (8, 8, 1), 17)
RING = DataSpec("ring", (2,), 0)
POLICIES = ("mixed_bfloat16", "mixed_float16")


def _small_realnvp(spec):
  return realnvp(spec, num_scales=1, final_couplings=1, num_blocks=1, hidden=8)


def _dcgan(*args, **kwargs):
  return dcgan_network(*args, base_filters=8, **kwargs)


def _critic(shape):
  return critics.dcgan_critic(shape, base_filters=8)


MODELS = {
    "nice": (lambda: flow_mle(DIGITS, generator=lambda s: nice(s, hidden=16, num_layers=1)),
             DIGITS),
    "flowgan": (lambda: flowgan(DIGITS, generator=_small_realnvp, critic=_critic,
                                nll_weight=1.0, n_critic=1), DIGITS),
    "oneway_dcgan_jvp": (lambda: oneway_model(DIGITS, generator=_dcgan, critic=_critic,
                                              logdet="jvp"), DIGITS),
    "oneway_2d": (lambda: oneway_model(RING, generator=mlp_network), RING),
    "wgan_gp": (lambda: wgan_gp_model(DIGITS, generator=_dcgan, critic=_critic,
                                      critic_steps=1), DIGITS),
    "avade": (lambda: avade(DIGITS), DIGITS),
}


@pytest.fixture
def policy():
  """Sets a global policy for one test and restores float32 after it."""
  def set_policy(name):
    keras.mixed_precision.set_global_policy(name)
  yield set_policy
  keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("precision", POLICIES)
def test_every_objective_steps_with_float32_losses(policy, name, precision):
  policy(precision)
  build, spec = MODELS[name]
  model = build()
  x = tf.random.uniform([4, *spec.shape], 0.05, 0.95, seed=0)
  before = [v.numpy().copy() for v in model.trainable_variables]

  def moved():
    return any(not np.array_equal(b, v.numpy())
               for b, v in zip(before, model.trainable_variables))
  # float16: the dynamic loss scale starts at 2^15 and halves after each step
  # whose gradients overflow (that step is skipped), so allow a few steps.
  for _ in range(1 if precision == "mixed_bfloat16" else 12):
    logs = model.train_step(x)
    for key, value in logs.items():
      assert value.dtype == tf.float32 and np.isfinite(float(value)), key
    if moved():
      break
  assert moved()
  assert all(v.dtype == "float32" for v in model.trainable_variables)  # float32 masters
  if model.likelihood_kind != "none":
    assert model.log_prob(x).dtype == tf.float32
  if precision == "mixed_float16":  # dynamic loss scaling on every optimizer
    for opt in (getattr(model, k, None) for k in ("g_optimizer", "d_optimizer")):
      if opt is not None:
        assert isinstance(opt, keras.optimizers.LossScaleOptimizer)
        assert float(opt.scale_loss(tf.constant(1.0))) > 1.0


@pytest.mark.parametrize("generator", ["realnvp", "nice"])
def test_bits_per_dim_under_bfloat16_within_0_01_of_float32_on_the_same_weights(
    policy, generator):
  """Non-trivial weights (every variable perturbed), digits test images:
  the same weights give the same bits/dim to 0.01 under bf16 networks."""
  make = {"realnvp": lambda s: realnvp(s, num_scales=1, final_couplings=2, num_blocks=2,
                                       hidden=32),
          "nice": lambda s: nice(s, hidden=64, num_layers=2)}[generator]
  x = np.stack([v.numpy() for v in load_splits("digits").test.take(200)]).astype(np.float32)
  x = ((x + np.random.default_rng(0).uniform(size=x.shape)) / DIGITS.levels).astype(np.float32)
  rng = np.random.default_rng(1)
  figures, weights = {}, None
  for precision in ("float32", "mixed_bfloat16"):
    policy(precision)
    model = flow_mle(DIGITS, generator=make)
    if weights is None:
      weights = [v.numpy() + 0.05 * rng.standard_normal(v.shape).astype(np.float32)
                 for v in model.generator.weights]
    for v, w in zip(model.generator.weights, weights):
      v.assign(w)
    log_p = model.log_prob(tf.constant(x))
    assert log_p.dtype == tf.float32
    figures[precision] = float(tf.reduce_mean(bits_per_dim(log_p, DIGITS.num_dims,
                                                           DIGITS.levels)))
  assert np.isfinite(figures["float32"]) and figures["float32"] > 0
  assert abs(figures["mixed_bfloat16"] - figures["float32"]) < 0.01, figures


def load_digits_images(n):
  """n of scikit-learn's 8x8 digits as uint8 levels 0..16, [n, 8, 8, 1]."""
  from sklearn.datasets import load_digits
  return load_digits().images[:n, :, :, None].astype(np.uint8)


def test_train_precision_sets_the_policy_and_names_a_bad_value(tmp_path, policy):
  from tfflowgan import training
  config = "configs/realnvp_digits_mle.gin"
  tiny = ["train.epochs = 1", "train.steps_per_epoch = 2", "realnvp.num_blocks = 1",
          "realnvp.hidden = 8", "realnvp.final_couplings = 1", "train.num_samples = 4"]
  try:
    gin.clear_config()
    config_lib.parse([config], tiny + ["train.precision = 'mixed_bfloat16'"])
    metrics = config_lib.save_operative(str(tmp_path / "bf16"),
                                        lambda: training.train(str(tmp_path / "bf16"), verbose=0))
    assert metrics["precision"] == "mixed_bfloat16"
    assert np.isfinite(metrics["test_bits_per_dim"])
    # Its export serves float32 log-probs: the same as the float32 model rebuilt
    # from the workdir (master weights are float32), whatever policy is set.
    from tfflowgan import export, workdir as workdir_lib
    export.export_workdir(str(tmp_path / "bf16"), str(tmp_path / "saved"))
    model, spec, _ = workdir_lib.restore_workdir(str(tmp_path / "bf16"))
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"  # left as it was
    layers = list(model._flatten_layers())  # pylint: disable=protected-access
    assert len(layers) > 10 and {l.compute_dtype for l in layers} == {"float32"}
    images = load_digits_images(6)
    served = export.load(str(tmp_path / "saved")).signatures["log_prob"](
        images=tf.constant(images))["log_prob"]
    assert served.dtype == tf.float32
    centres = tf.constant((images.astype(np.float32) + 0.5) / spec.levels)
    expected = model.generator.log_prob(centres).numpy() - spec.num_dims * np.log(spec.levels)
    np.testing.assert_allclose(served.numpy(), expected, atol=1e-4, rtol=0)
    gin.clear_config()
    config_lib.parse([config], tiny + ["train.precision = 'bfloat16'"])
    with pytest.raises(ConfigError, match="train.precision = 'bfloat16' is unknown"):
      training.train(str(tmp_path / "bad"), verbose=0)
  finally:
    gin.clear_config()
