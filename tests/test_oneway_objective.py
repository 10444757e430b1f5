"""One-way flow objective: eq. 16 / 17 losses, train_step, stored log zeta."""

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan.data import toy2d
from tfflowgan.data.spec import DataSpec
from tfflowgan.objectives import oneway

RING = DataSpec("ring", (2,), None)


def small_model(spec=RING, **kwargs):
  keras.utils.set_random_seed(0)
  kwargs.setdefault("num_eval_zeta_samples", 500)
  model = oneway.oneway_model(spec, d_learning_rate=1e-3, g_learning_rate=1e-3, **kwargs)
  return model


def test_log_zeta_importance_matches_numpy():
  from scipy.special import logsumexp
  w = np.random.default_rng(0).normal(size=12).astype(np.float32)
  ref = np.mean([logsumexp(g) - np.log(4) for g in w.reshape(3, 4)])
  np.testing.assert_allclose(oneway.log_zeta_importance(w, 4).numpy(), ref, rtol=1e-5)
  mixed = oneway.log_zeta_importance(w, 12, log_zeta_base=np.float32(0.5), base_weight=0.25)
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
    dict(num_zeta_samples=1, logdet="jvp", base_weight=0.1, base_scale=1.5,
         r1_weight=1.0, generator_steps=2),
    dict(num_zeta_samples=4, base_weight=0.3, base_data_share=0.5, base_bandwidth=0.1),
    dict(num_zeta_samples=8, anneal_start=10.0, anneal_steps=100, data_noise=0.3,
         data_noise_steps=100)])
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


def test_fit_final_metrics_and_samples():
  model = small_model(logdet="jvp", logdet_samples=2)
  ds = tf.data.Dataset.from_tensor_slices(toy2d.sample("ring", 64)).batch(32)
  history = model.fit(ds, epochs=1, verbose=0).history
  assert "log_zeta" in history  # updated by the built-in UpdateLogZeta callback
  out = model.final_metrics(ds)
  assert {"log_zeta", "test_nll", "modes", "high_quality", "density_modes",
          "density_high_quality"} <= set(out)
  assert 0.0 <= out["density_high_quality"] <= 100.0
  assert out["log_zeta"] == pytest.approx(history["log_zeta"][-1])
  # quadrature check of the stored, importance-sampled log zeta
  from tfflowgan.evaluation import modes2d
  lzq = modes2d.log_normalizer("ring", model.energy_numpy)
  assert out["log_zeta_quadrature"] == pytest.approx(lzq, abs=1e-4)
  assert out["test_nll_quadrature"] == pytest.approx(out["test_nll"] - out["log_zeta"] + lzq)
  s = model.sample_images(7, seed=tf.constant([1, 2]))
  np.testing.assert_array_equal(s, model.sample_images(7, seed=tf.constant([1, 2])))
  assert s.shape == (7, 2)
  evaluated = model.evaluate(ds, verbose=0, return_dict=True)
  assert np.isfinite(evaluated["nll"]) and np.isfinite(evaluated["d_loss"])


def test_image_model_with_jvp_logdet():
  spec = DataSpec("digits", (8, 8, 1), 17)
  model = small_model(spec, generator="dcgan", critic="dcgan", latent_dim=16,
                      logdet="jvp", num_zeta_samples=2, num_eval_zeta_samples=16)
  x = tf.random.uniform([4, 8, 8, 1])
  logs = model.train_step(x)
  assert all(np.isfinite(float(v)) for v in logs.values())
  images = model.sample_images(3)
  assert images.shape == (3, 8, 8, 1) and images.min() >= 0 and images.max() <= 1
  logs = model.test_step(x)
  assert np.isfinite(float(logs["bits_per_dim"]))


def test_generator_tempering_schedule_and_loss():
  """T falls linearly from T0 to 1 over `anneal_steps` generator updates; the
  generator loss is eq. 17 with w T; from then on it is eq. 17 itself."""
  w, t0, steps = 0.5, 10.0, 100
  model = small_model(entropy_weight=w, anneal_start=t0, anneal_steps=steps)
  u = model.generator.sample_inputs(8)
  y, logdet = model.generator.forward_with_logdet(u)
  d = model.critic(y).numpy().ravel()
  for done, temp in ((0, t0), (25, 1 + 0.75 * (t0 - 1)), (steps, 1.0), (3 * steps, 1.0)):
    model.g_optimizer.iterations.assign(done)
    np.testing.assert_allclose(float(model.temperature()), temp, rtol=1e-6)
    ref = np.mean(-w * temp * logdet.numpy() - d)
    np.testing.assert_allclose(model.generator_loss(y, logdet).numpy(), ref, rtol=1e-5)


def test_generator_tempering_to_a_final_temperature_below_one():
  """With anneal_end T1 < 1, T falls from T0 to T1 and stays there; without a
  schedule (anneal_steps 0) T is T1 from the start."""
  t0, t1, steps = 4.0, 0.5, 100
  model = small_model(anneal_start=t0, anneal_end=t1, anneal_steps=steps)
  for done, temp in ((0, t0), (50, 0.5 * (t0 + t1)), (steps, t1), (5 * steps, t1)):
    model.g_optimizer.iterations.assign(done)
    np.testing.assert_allclose(float(model.temperature()), temp, rtol=1e-6)
  np.testing.assert_allclose(float(small_model(anneal_end=t1).temperature()), t1)
  np.testing.assert_allclose(float(small_model().temperature()), 1.0)


def test_instance_noise_schedule():
  """sigma(t) = sigma0 (1 - t / M) on the discriminator's data, 0 from M on."""
  model = small_model(data_noise=0.3, data_noise_steps=100)
  x = tf.zeros([20000, 2])
  for done, sigma in ((0, 0.3), (50, 0.15), (100, 0.0), (500, 0.0)):
    model.d_optimizer.iterations.assign(done)
    np.testing.assert_allclose(np.std(model.noisy(x).numpy()), sigma, rtol=0.02, atol=1e-7)
  assert small_model().noisy(x) is x


def test_generator_weight_average_updates_and_samples():
  """ema <- b ema + (1 - b) w after each step; `averaged_generator` swaps the
  average in and restores the trained weights; sampling uses the average."""
  b = 0.5
  model = small_model(ema_decay=b)
  start = [v.numpy().copy() for v in model.generator.weights]
  tf.function(model.train_step)(tf.constant(toy2d.sample("ring", 32)))
  trained = [v.numpy().copy() for v in model.generator.weights]
  for ema, w0, w1 in zip(model.ema_weights, start, trained):
    np.testing.assert_allclose(ema.numpy(), b * w0 + (1 - b) * w1, rtol=1e-5, atol=1e-7)
  seed = tf.constant([7, 8])
  with model.averaged_generator() as gen:
    for v, ema in zip(gen.weights, model.ema_weights):
      np.testing.assert_array_equal(v.numpy(), ema.numpy())
    expected = gen.sample(5, seed=seed).numpy()
  for v, w1 in zip(model.generator.weights, trained):
    np.testing.assert_array_equal(v.numpy(), w1)
  np.testing.assert_allclose(model.sample_images(5, seed=seed), expected, rtol=1e-6)
  assert not small_model().ema_weights


def test_bad_settings_raise():
  with pytest.raises(ValueError):
    oneway.oneway_model(RING, ema_decay=1.0)
  with pytest.raises(ValueError):
    oneway.oneway_model(RING, anneal_start=0.5, anneal_steps=10)
  for end in (0.0, 1.5):
    with pytest.raises(ValueError):
      oneway.oneway_model(RING, anneal_end=end)
  for drop in (dict(g_lr_drop_factor=0.0), dict(g_lr_drop_step=-1, g_lr_drop_factor=0.5)):
    with pytest.raises(ValueError):
      oneway.oneway_model(RING, **drop)
  with pytest.raises(ValueError):
    oneway.oneway_model(RING, data_noise=-1.0, data_noise_steps=10)
  with pytest.raises(ValueError):
    oneway.oneway_model(RING, critic="nope")
  with pytest.raises(ValueError):
    oneway.oneway_model(RING, logdet="nope")


def test_generator_learning_rate_drop():
  """The generator's Adam rate is lr0 decay^t, times the drop factor from
  generator update `g_lr_drop_step` on; the critic's rate does not drop."""
  lr0, decay, drop_step, factor = 1e-3, 0.999, 50, 0.3
  gin.bind_parameter("adam.decay_rate", decay)
  try:
    model = small_model(g_lr_drop_step=drop_step, g_lr_drop_factor=factor)
  finally:
    gin.clear_config()
  for t in (0, 49, 50, 200):
    model.g_optimizer.iterations.assign(t)
    model.d_optimizer.iterations.assign(t)
    expected = lr0 * decay ** t * (factor if t >= drop_step else 1.0)
    np.testing.assert_allclose(float(model.g_optimizer.learning_rate), expected, rtol=1e-5)
    np.testing.assert_allclose(float(model.d_optimizer.learning_rate), lr0 * decay ** t,
                               rtol=1e-5)


def test_data_kernel_proposal_density_and_unbiased_zeta():
  """base_data_share: log q matches a numpy mixture of N(0, s^2) and the batch's
  Gaussian kernel density, and E_q[exp(E) / q] recovers zeta of a known E."""
  from scipy.special import logsumexp
  from scipy.stats import multivariate_normal
  model = small_model(base_weight=0.2, base_scale=1.5, base_data_share=0.6,
                      base_bandwidth=0.05)
  x = toy2d.sample("ring", 64, seed=1).astype(np.float32)
  b, log_q = model.base_samples(tf.constant(x), 20000)
  b, log_q = b.numpy(), log_q.numpy()
  assert b.shape == (20000, 2)
  kde = logsumexp([multivariate_normal(xi, 0.05 ** 2 * np.eye(2)).logpdf(b[:50])
                   for xi in x], axis=0) - np.log(64)
  ref = np.logaddexp(np.log(0.4) + multivariate_normal(np.zeros(2), 1.5 ** 2 * np.eye(2))
                     .logpdf(b[:50]), np.log(0.6) + kde)
  np.testing.assert_allclose(log_q[:50], ref, rtol=1e-4, atol=1e-4)
  # E = log of the ring mixture itself (zeta = 1): most of its mass is near x,
  # which only the kernel part samples well.
  log_zeta = logsumexp(toy2d.log_prob("ring", b) - log_q) - np.log(len(b))
  assert abs(log_zeta) < 0.05
  # near 60% of the draws lie within 4 bandwidths of a data point
  near = np.sqrt(((b[:, None] - x[None]) ** 2).sum(-1)).min(1) < 0.2
  assert 0.55 < near.mean() < 0.7


def test_bad_data_kernel_proposal_settings_raise():
  with pytest.raises(ValueError, match="base_data_share"):
    small_model(base_weight=0.1, base_data_share=1.0)
  with pytest.raises(ValueError, match="base_bandwidth"):
    small_model(base_weight=0.1, base_data_share=0.5, base_bandwidth=0.0)
