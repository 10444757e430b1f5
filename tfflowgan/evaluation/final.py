"""Measurements the runner makes after training (`training.train` writes them
to `metrics.json`), chosen by what the model offers (`objectives.base`):

- energy models: the final log zeta (`final_log_zeta`: quadrature on the 2D
  mixtures, annealed importance sampling for images, else importance sampling
  with exact generator log-dets; its method in `log_zeta_method`), and the
  test NLL under P_D, for images with the bits/dim of AIS's upper estimate
  and the deficit of log zeta that test bits/dim below 0 prove; on the 2D
  mixtures also modes / % high quality of 2,500 samples (VEEGAN's metric),
  the same for P_D itself, and checks of log zeta (`log_zeta_checks`);
- models with critics: each critic's W_hat(test, G) (Danihelka eq. 8), a
  flow generator's median bits/dim of its own samples (Danihelka 3.2), and with
  `heldout_critic_steps` a fresh critic's held-out W_hat;
- models with an importance-weighted bound: that bound and the
  reconstruction error.
"""

import math
import os

import numpy as np
import tensorflow as tf

from tfflowgan.data import toy2d
from tfflowgan.data.units import bits_per_dim
from tfflowgan.evaluation import ais
from tfflowgan.evaluation import independent_critic as ic
from tfflowgan.evaluation import modes2d
from tfflowgan.objectives import adversarial_losses as al


def final_metrics(model, test_batches, workdir=None) -> dict:
  """Every measurement of the module doc that applies to `model`; with a
  workdir, the scored 2D samples go to `samples.npz` there (array `samples`)."""
  out = {}
  if model.energy is not None:
    out.update(partition_metrics(model, test_batches, workdir))
  out.update(critic_metrics(model, test_batches))
  if model.importance_log_prob is not None:
    out.update(bound_metrics(model, test_batches))
  return out


def final_log_zeta(model, restored: bool = False) -> dict:
  """An energy model's log zeta as the library reports and serves it, stored in
  the model and returned with its method (`log_zeta_record`):

  - on the 2D mixtures, by quadrature of exp(D/w) (`modes2d.log_normalizer`,
    its default grid), recomputed unless held already. The importance estimate
    needs P_G, and eq. 10 counts one preimage of x: for a generator that folds
    (several u onto one x) it under-states P_G and over-states zeta;
  - for images, by annealed importance sampling from the uniform density on
    [0, 1]^n (`evaluation.ais`, seeded; the forward estimate, a stochastic
    lower bound, with the reverse one, a stochastic upper bound, as
    `log_zeta_upper`), recomputed unless held already. The importance
    estimate with the generator as proposal falls short wherever P_D has mass
    that P_G misses;
  - otherwise by importance sampling with exact generator log-dets (eq. 2, 10;
    seeded), re-estimated if the model holds a Jv-based estimate or none yet
    (a `restored` model holds its checkpoint's)."""
  name = model.spec.name
  if name in toy2d.MIXTURES:
    if model.log_zeta_method["method"] != "quadrature":
      resolution, margin = modes2d.quadrature_grid(name)
      model.store_log_zeta(
          modes2d.log_normalizer(name, model.energy_numpy, resolution, margin),
          {"method": "quadrature", "resolution": resolution, "margin": margin})
  elif model.spec.is_image:
    if model.log_zeta_method["method"] != "ais":
      r = ais.ais_log_zeta(model.energy, tuple(model.spec.shape), model.ais_chains,
                           model.ais_temperatures)
      model.store_log_zeta(r["log_zeta"], {
          "method": "ais", "chains": model.ais_chains, "temperatures": model.ais_temperatures,
          "upper": r["log_zeta_upper"], "std": r["log_zeta_std"], "ess": r["ess"]})
  elif (model.log_zeta_method.get("logdet") != "exact"
        or not (restored or model.log_zeta_estimated)):
    model.update_log_zeta(logdet="exact")
  return model.log_zeta_record()


def log_zeta_deficit(mean_bits_per_dim: float, num_dims: int) -> float:
  """A lower bound, in nats, on how far an importance-sampled log zeta is
  below the true one, from the floor of bits/dim on dequantized data.

  For x = (k + u) / L with u uniform in the bin, every normalized density p on
  [0, 1]^D has E[-log p(x)] >= h(x) = H(k) - D log L, i.e. mean bits/dim >=
  H(k) / (D ln 2) >= 0. A test mean b < 0 therefore needs log zeta raised by
  at least -b D ln 2 (up to the test set's sampling error); 0 otherwise."""
  return float(max(0.0, -mean_bits_per_dim) * num_dims * math.log(2.0))


def bits_per_dim_with(mean_bits_per_dim: float, stored: float, log_zeta: float,
                      num_dims: int) -> float:
  """The mean bits/dim of P_D with `log_zeta` in place of the `stored` log zeta
  it was computed with: every NLL moves by their difference."""
  return float(mean_bits_per_dim + (log_zeta - stored) / (num_dims * math.log(2.0)))


def bits_per_dim_upper(mean_bits_per_dim: float, record: dict, num_dims: int) -> float:
  """The mean bits/dim with AIS's upper estimate of log zeta (`record`'s
  `log_zeta_upper`) in place of the stored one."""
  return bits_per_dim_with(mean_bits_per_dim, record["log_zeta"], record["log_zeta_upper"],
                           num_dims)


def partition_metrics(model, test_batches, workdir=None) -> dict:
  """log zeta, test NLL (and bits/dim) under P_D, and for images the
  `log_zeta_deficit` the test bits/dim prove; 2D mixture checks."""
  spec = model.spec
  out = final_log_zeta(model)
  log_p = np.concatenate([model.log_prob(x).numpy() for x in test_batches])
  out["test_nll"] = float(-log_p.mean())
  if spec.is_discrete:
    out["test_bits_per_dim"] = float(np.mean(bits_per_dim(log_p, spec.num_dims, spec.levels)))
    if "log_zeta_upper" in out:
      out["test_bits_per_dim_upper"] = bits_per_dim_upper(out["test_bits_per_dim"], out,
                                                          spec.num_dims)
    out["log_zeta_deficit_at_least"] = log_zeta_deficit(out["test_bits_per_dim"], spec.num_dims)
  if spec.name in toy2d.MIXTURES:
    samples = model.sample(modes2d.NUM_EVAL_POINTS)
    if workdir:
      np.savez(os.path.join(workdir, "samples.npz"), samples=samples)
    out.update(modes2d.mixture_metrics(spec.name, samples))
    out.update(modes2d.density_quality(spec.name, model.energy_numpy))
    out.update(log_zeta_checks(model, out["log_zeta"]))
  return out


def log_zeta_checks(model, stored: float) -> dict:
  """2D mixtures: log zeta by quadrature on a grid twice as fine and a margin
  twice as wide as the stored one's (`log_zeta_check`), the stored value's
  error against it, and the paper's importance estimate (eq. 2; exact
  log-dets, the model's S, seeded) with its error."""
  name = model.spec.name
  resolution, margin = modes2d.quadrature_grid(name)
  check = modes2d.log_normalizer(name, model.energy_numpy, resolution / 2, 2 * margin)
  importance, _ = model.estimate_log_zeta(logdet="exact")
  return {"log_zeta_check": check, "log_zeta_error": stored - check,
          "log_zeta_importance": importance, "log_zeta_importance_error": importance - check}


def critic_metrics(model, test_batches, seed=1234, min_samples=2000, chunk=500) -> dict:
  """Each critic's W_hat(test, G) = mean f(x_test) over the whole test set -
  mean f(x_g) over max(#test, min_samples) samples with a fixed seed
  (Danihelka eq. 8), and the median bits/dim the flow gives its own samples
  (Danihelka 3.2: negative after WGAN training). Nothing for a model
  without critics."""
  scores = {k: tf.function(f, reduce_retracing=True)
            for k, f in model.critic_scores(seed).items()}
  if not scores:
    return {}
  draw = _sampler(model)
  real = {k: np.concatenate([f(x).numpy() for x in test_batches]) for k, f in scores.items()}
  num = max(len(next(iter(real.values()))), int(min_samples))
  fake, sample_bpd = {k: [] for k in scores}, []
  for i, start in enumerate(range(0, num, chunk)):
    x_g, log_pg = draw(min(chunk, num - start), tf.constant([seed, i]))
    for k, f in scores.items():
      fake[k].append(f(x_g).numpy())
    if log_pg is not None:
      sample_bpd.append(bits_per_dim(log_pg, model.spec.num_dims, model.spec.levels).numpy())
  out = {f"test_{k}": float(real[k].mean() - np.concatenate(fake[k]).mean()) for k in scores}
  if sample_bpd:
    out["sample_bits_per_dim_median"] = float(np.median(np.concatenate(sample_bpd)))
  if getattr(model, "heldout_critic_steps", 0) > 0:
    x_test = np.concatenate([np.asarray(x) for x in test_batches])
    out["test_heldout_wasserstein"] = heldout_wasserstein(model, x_test, draw, seed)
  return out


def _sampler(model):
  """(n, seed) -> (x_g, log p(x_g)), compiled for a flow (log p of each sample
  from its own z, no round trip through f); log p None without a flow."""
  if model.flow is None:
    return lambda n, seed: (tf.constant(model.sample(n, seed=seed)), None)
  return tf.function(
      lambda n, seed: model.flow.distribution.experimental_sample_and_log_prob(n, seed=seed),
      reduce_retracing=True)


def heldout_wasserstein(model, x_test, draw, seed=1234, batch=64, min_samples=2000) -> float:
  """W_hat of a fresh critic trained against the frozen generator: WGAN-GP
  (penalty 10, Adam 1e-4, betas 0.5, 0.9) for `model.heldout_critic_steps` on
  one half of x_test ([0, 1] images) vs a pool of samples from `draw`, then eq. 6 on the
  other half vs fresh samples. The same protocol for every model, so MLE, ADV
  and Hybrid runs compare; held-out, so critic overfitting lowers the
  estimate instead of inflating it."""
  rng = np.random.default_rng(seed)
  perm = rng.permutation(len(x_test))
  fit_x = np.asarray(model.to_critic(x_test[perm[:len(x_test) // 2]]))
  eval_x = model.to_critic(x_test[perm[len(x_test) // 2:]])
  pool = lambda n, i: np.concatenate([model.to_critic(draw(
      min(500, n - s), tf.constant([seed + 1, i * 10**6 + s]))[0]).numpy()
      for s in range(0, n, 500)])
  fit_g, eval_g = pool(max(min_samples, len(fit_x)), 0), pool(max(min_samples, len(eval_x)), 1)
  x_e = tf.constant(pool(model.num_extra_samples, 2))
  critic = model.heldout_critic(model.spec.shape)
  model._build_critic(critic)  # pylint: disable=protected-access
  settings = ic.CriticSettings(loss="wgan_gp", steps=model.heldout_critic_steps,
                               batch_size=batch, learning_rate=1e-4, gp_weight=10.0, seed=seed)
  ic.train_critic(fit_x, fit_g, settings, critic=critic,
                  score=lambda c: model.critic_fn(c, x_e, training=True))
  f = model.critic_fn(critic, x_e)
  return float(al.wasserstein_estimate(f(eval_x), f(tf.constant(eval_g))))


def bound_metrics(model, test_batches) -> dict:
  """Importance-sampled bits/dim bound (K = model.iw_samples; Burda et al.)
  and the reconstruction MSE at the posterior's centre."""
  bpd, mse, k = [], [], int(getattr(model, "iw_samples", 0))
  spec = model.spec
  for x in test_batches:
    if k:
      bpd.append(bits_per_dim(model.importance_log_prob(x, k), spec.num_dims,
                              spec.levels).numpy())
    mse.append(tf.reduce_mean(tf.square(model.reconstruct(x) - x), [1, 2, 3]).numpy())
  out = {"test_recon_mse": float(np.mean(np.concatenate(mse)))}
  if k:
    out["test_bits_per_dim_iwae"] = float(np.mean(np.concatenate(bpd)))
  return out
