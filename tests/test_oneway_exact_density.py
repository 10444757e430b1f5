"""Honest density of one-way flows: the stored log zeta from exact generator
log-dets (Ben-Dov et al. eq. 2, 10) and the bias of the Jv estimates (eq. 8-9)."""

import functools
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.special import logsumexp

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.data.spec import DataSpec

from tfflowgan.evaluation import ais, final, logdet_bias, suite
from tfflowgan.generators import logdet as ld
from tfflowgan.generators.oneway import OneWayFlow, oneway_generator
from tfflowgan.generators.oneway_networks import dcgan_network, mlp_network
from tfflowgan.objectives import importance, oneway
from tfflowgan.objectives.common import adam

DIGITS = DataSpec("digits", (8, 8, 1), 17)
tiny_dcgan = functools.partial(dcgan_network, base_filters=8)


def brute_force_log_p(network, u):
  """log N(u) - log|det J(u)|, numpy: row i of every example's J is the
  gradient of sum_b x[b, i] (n reverse passes of one persistent tape; the
  library uses `batch_jacobian`), slogdet in float64."""
  with tf.GradientTape(persistent=True) as tape:
    tape.watch(u)
    x = tf.reshape(network(u, training=False), [u.shape[0], -1])
    outputs = [x[:, i] for i in range(u.shape[1])]
  jac = np.stack([tape.gradient(y, u).numpy() for y in outputs], 1).astype(np.float64)
  u = u.numpy().astype(np.float64)
  log_n = -0.5 * np.square(u).sum(1) - 0.5 * u.shape[1] * np.log(2 * np.pi)
  return log_n - np.linalg.slogdet(jac)[1]


def seeded_inputs(generator, m, seed):
  """The u an exact proposal with `seed` draws for m samples (call i: [seed, i])."""
  chunk = ld.exact_chunk_size(generator.num_dims)
  return tf.concat([generator.sample_inputs(min(chunk, m - s), seed=tf.constant([seed, i]))
                    for i, s in enumerate(range(0, m, chunk))], 0)


def image_model(**kwargs):
  keras.utils.set_random_seed(0)
  return oneway.oneway_model(
      DIGITS, generator=tiny_dcgan, critic=functools.partial(dcgan_critic, base_filters=4),
      latent_dim=16, logdet="jvp", num_zeta_samples=2, num_eval_zeta_samples=40,
      eval_logdet_samples=1, d_optimizer=lambda: adam(1e-3), g_optimizer=lambda: adam(1e-3),
      ais_chains=32, ais_temperatures=40, **kwargs)


def test_exact_proposal_density_matches_brute_force_jacobian():
  keras.utils.set_random_seed(1)
  gen = oneway_generator(DIGITS, network=tiny_dcgan, latent_dim=16, logdet="jvp")
  m = 40  # two calls of exact_chunk_size(64) = 32 and 8 examples
  x, log_q = importance.exact_generator_proposal(gen, seed=3)(m)
  u = seeded_inputs(gen, m, 3)
  np.testing.assert_allclose(x, gen(u).numpy(), atol=1e-6)
  np.testing.assert_allclose(log_q, brute_force_log_p(gen.network, u), atol=2e-3, rtol=1e-5)
  _, again = importance.exact_generator_proposal(gen, seed=3)(m)
  np.testing.assert_array_equal(log_q, again)  # a fresh proposal repeats its draws


def rotation_generator(n=6, scale=1.7):
  q = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))[0]
  net = keras.Sequential([keras.Input((n,)), keras.layers.Dense(n, use_bias=False)])
  net.layers[0].kernel.assign((scale * q).astype(np.float32))
  gen = OneWayFlow(net, (n,), n, "jvp")
  gen.build()
  return gen


def test_bias_is_zero_where_the_estimate_is_exact():
  # J = c Q: ||Jv|| = c for every unit v, so every K gives n log c = log|det J|.
  n, c = 6, 1.7
  r = logdet_bias.logdet_bias(rotation_generator(n, c), num_inputs=16, directions=(1, 8))
  assert r["exact_log_abs_det"]["mean"] == pytest.approx(n * np.log(c), abs=1e-4)
  for k in ("1", "8"):
    assert abs(r["bias"][k]["mean"]) < 1e-4 and r["bias"][k]["std"] < 1e-4


def test_one_direction_bias_is_positive_for_a_generic_generator():
  """Jensen: E[n log||Jv||] >= -log E[||Jv||^-n] = log|det J| (eq. 8), with
  equality only for a scaled rotation; more directions, less bias."""
  keras.utils.set_random_seed(2)
  net = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="tanh"),
                          keras.layers.Dense(8)])
  gen = OneWayFlow(net, (8,), 8, "jvp")
  gen.build()
  r = logdet_bias.logdet_bias(gen, num_inputs=64, directions=(1, 8))
  one, eight = r["bias"]["1"], r["bias"]["8"]
  assert one["mean"] > 4 * one["sem"] > 0
  assert one["mean"] > eight["mean"]


def test_final_metrics_store_an_ais_log_zeta_for_images(tmp_path):
  model = image_model()
  jvp_value = model.update_log_zeta()  # what the epoch callback stores
  assert model.log_zeta_method["logdet"] == "jvp"
  x_test = tf.random.stateless_uniform([16, 8, 8, 1], seed=[4, 0])
  out = final.final_metrics(model, [x_test[:8], x_test[8:]])
  assert (out["log_zeta_method"], out["log_zeta_chains"], out["log_zeta_temperatures"]) == (
      "ais", 32, 40)
  ref = ais.ais_log_zeta(model.energy, (8, 8, 1), 32, 40)  # seed 0, as the runner's
  assert out["log_zeta"] == pytest.approx(ref["log_zeta"], abs=1e-4)
  assert out["log_zeta_upper"] == pytest.approx(ref["log_zeta_upper"], abs=1e-4)
  assert abs(out["log_zeta"] - jvp_value) > 0.1
  assert out["test_nll"] == pytest.approx(
      -model.energy(x_test).numpy().mean() + out["log_zeta"], rel=1e-5)
  gap_bits = (out["log_zeta_upper"] - out["log_zeta"]) / (64 * np.log(2))
  assert out["test_bits_per_dim_upper"] == pytest.approx(out["test_bits_per_dim"] + gap_bits)
  # the suite's likelihood stage keeps it (no second run) and reports both bits/dim
  lik = suite.stage_likelihood(likelihood_context(model, x_test, tmp_path))
  assert (lik["log_zeta"], lik["log_zeta_method"]) == (out["log_zeta"], "ais")
  assert lik["test"]["mean_bits_per_dim_upper"] == pytest.approx(
      lik["test"]["mean_bits_per_dim"] + gap_bits)


def likelihood_context(model, x, tmp_path):
  """What `suite.stage_likelihood` reads of a `suite.Context`."""
  return types.SimpleNamespace(model=model, spec=model.spec,
                               cfg=suite.SuiteConfig(batch_size=8),
                               data={"test": np.asarray(x)},
                               fig=lambda name: str(tmp_path / name))


def test_suite_re_estimates_a_restored_log_zeta_by_ais(tmp_path):
  model = image_model()
  model.log_zeta.assign(123.0)  # a restored checkpoint's epoch estimate
  x = tf.random.stateless_uniform([8, 8, 8, 1], seed=[5, 0])
  lik = suite.stage_likelihood(likelihood_context(model, x, tmp_path))
  assert lik["log_zeta_method"] == "ais" and lik["log_zeta"] != 123.0
  fresh = image_model()
  assert lik["log_zeta"] == pytest.approx(
      ais.ais_log_zeta(fresh.energy, (8, 8, 1), 32, 40)["log_zeta"], abs=1e-4)


def test_an_exact_generator_keeps_its_stored_log_zeta(tmp_path):
  """2D configs (logdet 'exact'): a restored estimate, or the epoch one, is
  already exact and stays the stored one (in the suite and after training)."""
  keras.utils.set_random_seed(0)
  spec = DataSpec("plane", (2,), None)  # not a mixture: no 2D mode metrics
  model = oneway.oneway_model(spec, generator=mlp_network, num_eval_zeta_samples=300)
  model.log_zeta.assign(-1.5)  # as restored from a checkpoint
  x = tf.random.stateless_normal([8, 2], seed=[6, 0])
  lik = suite.stage_likelihood(likelihood_context(model, x, tmp_path))
  assert (lik["log_zeta"], lik["log_zeta_logdet"], lik["log_zeta_samples"]) == (
      -1.5, "exact", 300)
  value = model.update_log_zeta()  # what the epoch callback stores
  out = final.partition_metrics(model, [x])
  assert (out["log_zeta"], out["log_zeta_logdet"]) == (pytest.approx(value), "exact")


def test_log_zeta_deficit_closed_form():
  assert final.log_zeta_deficit(2.0, 64) == 0.0
  assert final.log_zeta_deficit(0.0, 64) == 0.0
  assert final.log_zeta_deficit(-1.5, 64) == pytest.approx(1.5 * 64 * np.log(2.0))


def test_partition_metrics_report_the_deficit_a_low_log_zeta_proves():
  """Lowering the stored log zeta by c nats lowers test bits/dim by c / (D ln 2);
  once below 0 the reported deficit is what it takes to bring it back to 0."""
  model = image_model()
  x_test = tf.random.stateless_uniform([16, 8, 8, 1], seed=[4, 0])
  before = final.partition_metrics(model, [x_test])
  c = 5000.0
  model.log_zeta.assign(model.log_zeta - c)
  after = final.partition_metrics(model, [x_test])  # exact already: not re-estimated
  assert after["log_zeta"] == pytest.approx(before["log_zeta"] - c, abs=1e-2)
  d_ln2 = 64 * np.log(2.0)
  assert after["test_bits_per_dim"] == pytest.approx(before["test_bits_per_dim"] - c / d_ln2,
                                                     abs=1e-3)
  assert after["log_zeta_deficit_at_least"] == pytest.approx(
      c - before["test_bits_per_dim"] * d_ln2, rel=1e-4)
