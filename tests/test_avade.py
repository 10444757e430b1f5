"""AV-ADE (Lucas et al. 2019): the coverage loss is an upper bound on the NLL,
f_psi = identity reduces to the plain VAE, the IAF and f_psi log-dets are exact,
and every AV-ADE config builds and takes a training step."""

import math
import os

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import config as config_lib
from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.critics.residual import residual_critic
from tfflowgan.data import DataSpec
from tfflowgan.evaluation import final
from tfflowgan.generators.iaf import IAFStep, Posterior
from tfflowgan.generators.vae import ConvDecoder, ConvEncoder, FeatureMap
from tfflowgan.objectives.avade import AVADE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = DataSpec("tiny", (4, 4, 1), 17)
CONFIGS = {"vae_digits": (8, 8, 1), "avade_digits": (8, 8, 1), "vae_cifar10": (32, 32, 3),
           "vade_cifar10": (32, 32, 3), "avgde_cifar10": (32, 32, 3),
           "avade_cifar10": (32, 32, 3), **{f"{v}_mnist5k": (28, 28, 1)
                                             for v in ("vae", "vade", "avgde", "avade")}}


def _perturb(layer, scale=0.1, seed=0):
  rng = np.random.RandomState(seed)
  for w in layer.trainable_weights:
    w.assign(w.numpy() + scale * rng.randn(*w.shape).astype(np.float32))


def _tiny(latent_dim=2, iaf_steps=0, feature_map=True, critic=False, seed=0):
  keras.utils.set_random_seed(seed)
  fmap = FeatureMap(TINY.shape, num_blocks=1, hidden=8, logit_alpha=0.05) if feature_map else None
  model = AVADE(TINY, ConvEncoder(latent_dim, 4, 16, context_dim=4 if iaf_steps else 0),
                ConvDecoder(TINY.shape, 4, "per_dim", init_log_scale=-1.0),
                Posterior(latent_dim, iaf_steps, 8), fmap,
                dcgan_critic(TINY.shape, 8) if critic else None)
  if fmap is not None:
    _perturb(fmap, 0.05, seed)
  return model


def _quadrature_log_prob(model, x, n=201, r=7.0):
  """log p(x) = log int p(f|z) p(z) dz + log-det on an n x n grid over [-r, r]^2."""
  g = np.linspace(-r, r, n, dtype=np.float32)
  z = tf.constant(np.stack(np.meshgrid(g, g), -1).reshape(-1, 2))
  mean, log_scale = model.decoder(z)
  f, log_det = model.features(x)
  log_pz = -0.5 * tf.reduce_sum(z * z, -1) - math.log(2 * math.pi)
  out = []
  for i in range(x.shape[0]):
    per = -0.5 * tf.square((f[i] - mean) * tf.exp(-log_scale)) - log_scale \
        - 0.5 * math.log(2 * math.pi)
    w = tf.reduce_sum(per, [1, 2, 3]) + log_pz
    out.append(tf.reduce_logsumexp(w) + 2 * math.log(g[1] - g[0]))
  return tf.stack(out) + log_det


@pytest.mark.parametrize("iaf_steps", [0, 2])
def test_elbo_bound_is_above_the_true_nll(iaf_steps):
  model = _tiny(iaf_steps=iaf_steps)
  x = tf.random.uniform([4, *TINY.shape], 0.02, 0.98, seed=1)
  exact = _quadrature_log_prob(model, x).numpy()
  finer = _quadrature_log_prob(model, x, n=281, r=9.0).numpy()
  np.testing.assert_allclose(exact, finer, atol=5e-3)  # the quadrature has converged
  tf.random.set_seed(2)
  iwae = model.importance_log_prob(x, num_samples=2000, chunk=1000).numpy()
  reps = 500  # the ELBO's expectation over q, one batch
  terms = model.coverage(tf.tile(x, [reps, 1, 1, 1]), tf.random.normal([4 * reps, 2]))
  elbo = tf.reduce_mean(tf.reshape(terms["log_p_bound"], [reps, 4]), 0).numpy()
  assert np.all(iwae < exact + 1.0), (iwae, exact)     # IS: below log p, up to noise
  gap = exact - elbo
  assert np.all(gap > 0.5), gap                        # a strict bound here
  assert np.all(elbo < iwae)
  # In discrete-data bits/dim: bound above the true value.
  bpd = lambda lp: -(lp - 16 * math.log(17)) / (16 * math.log(2))
  assert np.all(bpd(elbo) > bpd(exact))


def _build_config(name, bindings=()):
  gin.clear_config()
  config_lib.parse([os.path.join(ROOT, "configs", name + ".gin")], list(bindings))
  spec = DataSpec(gin.query_parameter("train.dataset"), CONFIGS[name], 17 if "digits" in name else 256)
  return gin.query_parameter("train.model_builder").scoped_configurable_fn(spec)


def test_identity_feature_map_reduces_to_the_vae_config():
  vae = _build_config("vae_digits")
  # AV-ADE with f_psi at its identity initialisation (zero output convs), no logit.
  avade = _build_config("avade_digits", ["realnvp_feature_map.logit_alpha = None"])
  gin.clear_config()
  for net in ("encoder", "decoder"):
    for a, b in zip(getattr(avade, net).weights, getattr(vae, net).weights):
      a.assign(b)
  x = tf.random.uniform([8, 8, 8, 1], 0.0, 1.0, seed=3)
  f, log_det = avade.features(x)
  np.testing.assert_allclose(f.numpy(), x.numpy(), atol=1e-6)
  np.testing.assert_allclose(log_det.numpy(), 0.0, atol=1e-6)
  eps = tf.random.normal([8, vae.latent_dim], seed=4)
  t_vae, t_ade = vae.coverage(x, eps), avade.coverage(x, eps)
  for k in t_vae:
    np.testing.assert_allclose(t_ade[k].numpy(), t_vae[k].numpy(), rtol=1e-5, atol=1e-4)
  m_vae, m_ade = vae._coverage_metrics(t_vae), avade._coverage_metrics(t_ade)
  np.testing.assert_allclose(m_ade["bits_per_dim_bound"].numpy(),
                             m_vae["bits_per_dim_bound"].numpy(), rtol=1e-6)


def test_iaf_log_det_matches_brute_force_jacobian():
  step = IAFStep(5, 16, forget_bias=0.5)
  h = tf.random.normal([3, 4], seed=0)
  z = tf.random.normal([3, 5], seed=1)
  step(z, h)
  _perturb(step, 0.3)
  with tf.GradientTape() as tape:
    tape.watch(z)
    y, neg_log_det = step(z, h)
  jac = tape.batch_jacobian(y, z).numpy()
  np.testing.assert_allclose(np.triu(jac, 1), 0.0, atol=1e-7)  # autoregressive
  np.testing.assert_allclose(-neg_log_det.numpy(), np.linalg.slogdet(jac)[1], atol=1e-5)


@pytest.mark.parametrize("scales,shape", [(1, (4, 4, 1)), (2, (8, 8, 1))])
def test_feature_map_inverse_and_log_det(scales, shape):
  fmap = FeatureMap(shape, num_scales=scales, num_blocks=1, hidden=8, logit_alpha=0.05)
  fmap.build()
  _perturb(fmap, 0.05)
  x = tf.random.uniform([2, *shape], 0.05, 0.95, seed=0)
  f, log_det = fmap.forward_and_log_det(x)
  np.testing.assert_allclose(fmap.inverse(tf.identity(f)).numpy(), x.numpy(), atol=1e-4)
  with tf.GradientTape() as tape:
    tape.watch(x)
    y = fmap.forward_and_log_det(x)[0]
  d = int(np.prod(shape))
  jac = tf.reshape(tape.batch_jacobian(y, x), [2, d, d]).numpy()
  np.testing.assert_allclose(log_det.numpy(), np.linalg.slogdet(jac)[1], rtol=1e-4, atol=1e-3)


def test_samples_reconstructions_and_final_metrics():
  model = _tiny(critic=True)
  a = model.sample(5, seed=tf.constant([7, 0]))
  b = model.sample(5, seed=tf.constant([7, 0]))
  assert a.shape == (5, 4, 4, 1) and np.array_equal(a.numpy(), b.numpy())
  assert float(tf.reduce_min(a)) >= 0.0 and float(tf.reduce_max(a)) <= 1.0
  x = tf.random.uniform([3, *TINY.shape], seed=0)
  assert model.reconstruct(x).shape == x.shape
  model.iw_samples = 10
  out = final.final_metrics(model, tf.data.Dataset.from_tensors(x))
  assert set(out) == {"test_bits_per_dim_iwae", "test_recon_mse"}
  logs = model.train_step(x)
  assert {"d_loss", "l_q", "bits_per_dim_bound"} <= set(logs)


@pytest.mark.parametrize("shape", [(8, 8, 1), (32, 32, 3)])
def test_residual_critic_shapes(shape):
  assert residual_critic(shape, filters=8)(tf.zeros([2, *shape])).shape == (2, 1)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_builds_and_steps(name):
  model = _build_config(name)
  gin.clear_config()
  x = tf.random.uniform([2, *CONFIGS[name]], 0.01, 0.99, seed=0)
  before = [v.numpy().copy() for v in model.trainable_variables]
  logs = model.train_step(x)
  assert np.isfinite(float(logs["bits_per_dim_bound"]))
  changed = {id(v): not np.array_equal(b, v.numpy())
             for b, v in zip(before, model.trainable_variables)}
  nets = [model.encoder, model.decoder] + [n for n in (model.critic,) if n is not None]
  assert all(changed[id(v)] for n in nets for v in n.trainable_variables)
  if model.feature_map is not None:  # zero-init output convs: only they move at first
    assert any(changed[id(v)] for v in model.feature_map.trainable_variables)
  assert (model.critic is not None) == ("l_q" in logs)
  assert (model.feature_map is not None) == ("ade" in name)
