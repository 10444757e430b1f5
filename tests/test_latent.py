"""Latent statistics and partial reconstructions (Danihelka et al. 3.3-3.4)."""

import numpy as np
import tensorflow as tf

from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import latent
from tfflowgan.generators.realnvp import realnvp

SPEC = DataSpec("digits", (8, 8, 1), levels=17)
ALPHA = 0.05


def _flow(num_scales=0, perturb=False):
  gen = realnvp(SPEC, num_scales=num_scales, final_couplings=2, num_blocks=1, hidden=8,
                logit_alpha=ALPHA)
  gen.build()
  if perturb:  # move the zero-initialised output convolutions off the identity
    rng = np.random.default_rng(0)
    for net in gen.nets:
      k = net.conv_out.kernel
      k.assign(0.05 * rng.normal(size=k.shape).astype(np.float32))
  return gen


def _x(n=50, seed=0):
  return np.random.default_rng(seed).uniform(0.01, 0.99, size=(n, 8, 8, 1)).astype(np.float32)


def test_identity_flow_latents_are_logit_of_x():
  x = _x()
  p = ALPHA + (1 - 2 * ALPHA) * x.astype(np.float64)
  expected = np.log(p / (1 - p)).reshape(len(x), -1)   # closed form, no coupling acts
  z = latent.infer_latents(_flow(), x, batch_size=16)
  np.testing.assert_allclose(z, expected, atol=1e-5)
  stats = latent.latent_statistics(z)
  np.testing.assert_allclose(stats["per_dim_mean"], expected.mean(0), atol=1e-5)
  np.testing.assert_allclose(stats["per_dim_std"], expected.std(0), atol=1e-5)
  np.testing.assert_allclose(stats["mean"], expected.mean(), atol=1e-5)
  np.testing.assert_allclose(stats["std"], expected.std(), atol=1e-5)
  assert stats["selected_dims"]["z[1]"]["std"] == stats["per_dim_std"][1]
  assert stats["prior_std"] == 1.0 and stats["num_dims"] == 64


def test_full_reconstruction_returns_x():
  x = _x(12, seed=1)
  for gen in (_flow(), _flow(num_scales=1, perturb=True)):
    rec, z, z_part = latent.partial_reconstructions(gen, x, fraction=0.0)
    np.testing.assert_array_equal(z, z_part)
    assert np.abs(rec - x).max() < 1e-4


def test_partial_reconstruction_keeps_the_other_half():
  gen, x = _flow(num_scales=1, perturb=True), _x(12, seed=2)
  for part in ("first", "second"):
    rec, z, z_part = latent.partial_reconstructions(gen, x, 0.5, part, seed=3)
    mask = latent.resample_mask(64, 0.5, part)
    assert mask.sum() == 32 and mask[0] == (part == "first")
    np.testing.assert_array_equal(z_part[:, ~mask], z[:, ~mask])
    fresh = gen.sample_latent(12, seed=tf.constant([3, 7])).numpy()
    np.testing.assert_array_equal(z_part[:, mask], fresh[:, mask])
    np.testing.assert_allclose(gen.encode(rec).numpy(), z_part, atol=2e-3)


def test_report_writes_figures(tmp_path):
  out = latent.latent_report(_flow(), _x(40), str(tmp_path), num_images=5)
  assert out["full_reconstruction_max_abs_error"] < 1e-4
  names = sorted(p.name for p in tmp_path.iterdir())
  assert names == ["latent_hist2d.png", "partial_reconstructions.png"]
