"""One-way flow objective: eq. 16 / 17 losses, train_step, stored log zeta."""

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.data import toy2d
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import final
from tfflowgan.generators.oneway_networks import dcgan_network, mlp_network
from tfflowgan.objectives import importance, oneway
from tfflowgan.objectives.common import adam

RING = DataSpec("ring", (2,), None)


def small_model(spec=RING, **kwargs):
  keras.utils.set_random_seed(0)
  kwargs.setdefault("num_eval_zeta_samples", 500)
  kwargs.setdefault("generator", mlp_network)
  return oneway.oneway_model(spec, d_optimizer=lambda: adam(1e-3),
                             g_optimizer=lambda: adam(1e-3), **kwargs)


def test_log_zeta_importance_matches_numpy():
  from scipy.special import logsumexp
  w = np.random.default_rng(0).normal(size=12).astype(np.float32)
  ref = np.mean([logsumexp(g) - np.log(4) for g in w.reshape(3, 4)])
  np.testing.assert_allclose(importance.log_zeta_importance(w, 4).numpy(), ref, rtol=1e-5)
  mixed = importance.log_zeta_importance(w, 12, log_zeta_base=np.float32(0.5), base_weight=0.25)
  ref = np.log(0.75 * np.exp(logsumexp(w) - np.log(12)) + 0.25 * np.exp(0.5))
  np.testing.assert_allclose(mixed.numpy(), ref, rtol=1e-5)


def test_one_sample_discriminator_loss_is_wgan_critic():
  """S = 1 (eq. 4): d_loss = (mean D(y) - mean D(x)) / w - mean log P_G(y)."""
  w = 0.3
  model = small_model(entropy_weight=w, num_zeta_samples=1)
  x = tf.constant(toy2d.sample("ring", 16))
  y, log_pg = model.generator.sample_with_log_prob(16)
  d_loss, _ = model.discriminator_loss(x, y, log_pg)
  dx = model.critic(x).numpy().ravel()
  dy = model.critic(y).numpy().ravel()
  ref = (dy.mean() - dx.mean()) / w - log_pg.numpy().mean()
  np.testing.assert_allclose(d_loss.numpy(), ref, rtol=1e-4, atol=1e-4)


def test_generator_loss_is_eq_17():
  w = 0.5
  model = small_model(entropy_weight=w)
  u = model.generator.sample_inputs(8)
  y, logdet = model.generator.forward_with_logdet(u)
  ref = np.mean(-w * logdet.numpy() - model.critic(y).numpy().ravel())
  np.testing.assert_allclose(model.generator_loss(y, logdet).numpy(), ref, rtol=1e-5)


@pytest.mark.parametrize("settings", [
    dict(num_zeta_samples=4, logdet="exact"),
    dict(num_zeta_samples=1, logdet="jvp", generator_steps=2,
         defensive=importance.DefensiveGaussian(0.1, 1.5)),
    dict(num_zeta_samples=8)])
def test_train_step_changes_both_networks(settings):
  model = small_model(**settings)
  before_d = [v.numpy().copy() for v in model.critic.trainable_variables]
  before_g = [v.numpy().copy() for v in model.generator.trainable_variables]
  logs = tf.function(model.train_step)(tf.constant(toy2d.sample("ring", 32)))
  for name in ("d_loss", "g_loss", "log_zeta_batch", "logdet"):
    assert np.isfinite(float(logs[name])), name
  changed = lambda vs, old: [not np.array_equal(v.numpy(), o) for v, o in zip(vs, old)]
  # eq. 16 is invariant to D -> D + b: the critic's output bias gets a zero
  # (or round-off) gradient, so only the other weights must move.
  assert all(changed(model.critic.trainable_variables, before_d)[:-1])
  assert all(changed(model.generator.trainable_variables, before_g))


def test_log_zeta_is_stored_and_normalizes():
  model = small_model()
  assert "log_zeta" in [v.name for v in model.non_trainable_weights]
  value = model.update_log_zeta(num_samples=2000)
  assert np.isfinite(value) and float(model.log_zeta.numpy()) == pytest.approx(value)
  x = tf.constant(toy2d.sample("ring", 5))
  np.testing.assert_allclose(model(x).numpy(), model.energy(x).numpy() - value, rtol=1e-5)


def test_fit_final_metrics_and_samples(tmp_path):
  model = small_model(logdet="jvp", logdet_samples=2)
  ds = tf.data.Dataset.from_tensor_slices(toy2d.sample("ring", 64)).batch(32)
  history = model.fit(ds, epochs=1, verbose=0).history
  assert "log_zeta" in history  # updated by the built-in UpdateLogZeta callback
  out = final.final_metrics(model, ds, str(tmp_path))
  assert {"log_zeta", "test_nll", "modes", "high_quality", "density_modes",
          "density_high_quality"} <= set(out)
  # the scored points are saved and score the same outside the library
  from tfflowgan.evaluation import modes2d
  saved = np.load(tmp_path / "samples.npz")["samples"]
  assert saved.shape == (modes2d.NUM_EVAL_POINTS, 2)
  rescored = modes2d.mixture_metrics("ring", saved)
  assert (rescored["modes"], rescored["high_quality"]) == (out["modes"], out["high_quality"])
  assert 0.0 <= out["density_high_quality"] <= 100.0
  # in 2D the stored log zeta is the quadrature of exp(D/w) on the default grid
  resolution, margin = modes2d.quadrature_grid("ring")
  assert (out["log_zeta_method"], out["log_zeta_resolution"]) == ("quadrature", resolution)
  assert out["log_zeta"] == pytest.approx(float(model.log_zeta.numpy()))
  assert out["log_zeta"] == pytest.approx(
      modes2d.log_normalizer("ring", model.energy_numpy, resolution, margin), abs=1e-6)
  assert out["test_nll"] == pytest.approx(
      -np.concatenate([model.energy(x).numpy() for x in ds]).mean() + out["log_zeta"], rel=1e-5)
  # checked on a grid twice as fine and twice as wide; the paper's importance
  # estimate (eq. 2, exact log-dets, seeded) beside it
  check = modes2d.log_normalizer("ring", model.energy_numpy, resolution / 2, 2 * margin)
  assert out["log_zeta_check"] == pytest.approx(check, abs=1e-6)
  assert out["log_zeta_error"] == pytest.approx(out["log_zeta"] - check)
  importance, method = model.estimate_log_zeta(logdet="exact")
  assert method == {"method": "importance", "logdet": "exact", "samples": 500}
  assert out["log_zeta_importance"] == pytest.approx(importance, abs=1e-6)
  assert out["log_zeta_importance_error"] == pytest.approx(importance - check)
  # a restored model (its checkpoint's importance estimate) gets the quadrature again
  model.store_log_zeta(5.0, method)
  again = final.final_log_zeta(model, restored=True)
  assert (again["log_zeta"], again["log_zeta_method"]) == (pytest.approx(out["log_zeta"]),
                                                           "quadrature")
  s = model.sample(7, seed=tf.constant([1, 2]))
  np.testing.assert_array_equal(s, model.sample(7, seed=tf.constant([1, 2])))
  assert s.shape == (7, 2)
  evaluated = model.evaluate(ds, verbose=0, return_dict=True)
  assert np.isfinite(evaluated["nll"]) and np.isfinite(evaluated["d_loss"])


def test_image_model_with_jvp_logdet():
  spec = DataSpec("digits", (8, 8, 1), 17)
  model = small_model(spec, generator=dcgan_network, critic=dcgan_critic, latent_dim=16,
                      logdet="jvp", num_zeta_samples=2, num_eval_zeta_samples=16)
  x = tf.random.uniform([4, 8, 8, 1])
  logs = model.train_step(x)
  assert all(np.isfinite(float(v)) for v in logs.values())
  images = model.sample(3)
  assert images.shape == (3, 8, 8, 1) and images.min() >= 0 and images.max() <= 1
  logs = model.test_step(x)
  assert np.isfinite(float(logs["bits_per_dim"]))


def test_defensive_gaussian_density_and_unbiased_zeta():
  """log q matches scipy's N(0, s^2 I), and E_q[exp(E) / q] recovers zeta = 1
  of a normalized E (a broad Gaussian), so the mixed estimate is unbiased."""
  from scipy.special import logsumexp
  from scipy.stats import multivariate_normal
  q = importance.DefensiveGaussian(0.2, 1.5)
  b, log_q = q.sample(tf.zeros([3, 2]), 20000)
  b, log_q = b.numpy(), log_q.numpy()
  ref = multivariate_normal(np.zeros(2), 1.5 ** 2 * np.eye(2)).logpdf(b[:50])
  np.testing.assert_allclose(log_q[:50], ref, rtol=1e-5, atol=1e-5)
  log_e = multivariate_normal(np.zeros(2), np.eye(2)).logpdf(b)
  assert abs(logsumexp(log_e - log_q) - np.log(len(b))) < 0.03


def test_bad_settings_raise():
  for weight, scale in ((0.0, 1.0), (1.0, 1.0), (0.1, 0.0)):
    with pytest.raises(ValueError):
      importance.DefensiveGaussian(weight, scale)
  with pytest.raises(ValueError):
    small_model(logdet="nope")


def test_optimizers_are_builders_with_a_learning_rate_drop():
  """`g_optimizer` / `d_optimizer` are optimizer builders: with gin scopes the
  generator's Adam rate drops by the factor from its update `drop_step` on,
  the critic's does not; no builder: the paper's rates (App. C.2)."""
  lr0, decay, drop_step, factor = 1e-3, 0.999, 50, 0.3
  gin.parse_config([f"adam.decay_rate = {decay}", f"adam.learning_rate = {lr0}",
                    f"g/adam.drop_step = {drop_step}", f"g/adam.drop_factor = {factor}"])
  try:
    g_adam = gin.get_configurable("g/adam")
    model = oneway.oneway_model(RING, generator=mlp_network, g_optimizer=g_adam,
                                d_optimizer=gin.get_configurable("adam"),
                                num_eval_zeta_samples=10)
  finally:
    gin.clear_config()
  for t in (0, 49, 50, 200):
    model.g_optimizer.iterations.assign(t)
    model.d_optimizer.iterations.assign(t)
    expected = lr0 * decay ** t * (factor if t >= drop_step else 1.0)
    np.testing.assert_allclose(float(model.g_optimizer.learning_rate), expected, rtol=1e-5)
    np.testing.assert_allclose(float(model.d_optimizer.learning_rate), lr0 * decay ** t,
                               rtol=1e-5)
  paper = oneway.oneway_model(RING, generator=mlp_network, num_eval_zeta_samples=10)
  assert float(paper.d_optimizer.learning_rate) == pytest.approx(1e-5)
  assert float(paper.g_optimizer.learning_rate) == pytest.approx(5e-4)
