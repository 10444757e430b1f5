"""The evaluation suite behind `scripts/evaluate.py`: every measurement of the
papers that applies to a trained model, written to `eval.json` and PNGs.

Stages (each a small function `ctx -> dict`; one raising `Skip` is recorded
with its reason under `skipped`, one that fails under `errors`):

- likelihood: per-example NLL / bits/dim on train, validation and test and of
  the model's own samples (Danihelka et al. 2017, Sec. 3.2, Fig. 6). Exact for
  flows; for one-way flows an estimate (stored importance-sampled log zeta,
  re-estimated with exact generator log-dets unless it already was).
- parzen: Flow-GAN's Parzen-window baseline (Grover et al. 2018), sigma chosen
  on validation, test NLL per sigma.
- jacobian: singular values, condition number, log|det|, numerical rank of the
  generator's Jacobian at prior samples (Flow-GAN; Danihelka Fig. 17).
- sample_quality: FID / KID, precision / recall (Kynkaanniemi et al. 2019) and
  density / coverage (Naeem et al. 2020) on classifier (digits, mnist5k) or
  InceptionV3 features, Inception and MODE scores, also for Parzen samples per
  sigma (Flow-GAN).
- independent_critic: a fresh critic's W_hat on train/validation/test
  (Danihelka Sec. 3.5).
- latent: statistics of inferred z, partial reconstructions (Danihelka 3.3-3.4).
- oneway: log zeta vs number of samples, discriminator log-density histograms
  on train and test with their KS statistic and mean difference, 2D modes /
  % high quality; on images generated samples sorted by D, latent
  interpolations and noise variations (Ben-Dov et al., Fig. 1-4, 7, 8, Tab. 1;
  `oneway_figures`); the bias of the Jv log-det estimates against exact
  log-dets at generator inputs (`logdet_bias`).

Generated images scored (`Context.generated`) are written as integer levels
to `eval/samples.npz` (array `samples`).
"""

import dataclasses
import json
import os
import time
import traceback
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfflowgan.data import make_batches, quantize, toy2d
from tfflowgan.evaluation import (feature_nets, final, independent_critic, jacobian, latent,
                                  likelihood, logdet_bias, modes2d, oneway_figures,
                                  partition, parzen, plots, report, sample_quality,
                                  summaries)
from tfflowgan.generators.flow import prior

STAGES = ("likelihood", "parzen", "jacobian", "sample_quality", "independent_critic",
          "latent", "oneway")
SPLITS = ("train", "validation", "test")
EXACT_CURVE_MAX_DIMS = 256  # the log zeta curve with exact log-dets: ~1 ms a sample at n = 64
DEFAULT_CLASSIFIER = os.path.join("runs", "_classifier", "digits.keras")
MNIST5K_CLASSIFIER = os.path.join("runs", "_classifier", "mnist5k.keras")
GENERATED_FILE = "samples.npz"  # in eval/: the generated images scored, integer levels
MIN_GENERATED = 1000  # generated samples at least, when the reference split is smaller
REFERENCE_SPLIT = "test"  # the real images the generated ones are scored against


class Skip(Exception):
  """A stage does not apply to this model or data; the message says why."""


@dataclasses.dataclass
class SuiteConfig:
  stages: Sequence[str] = STAGES
  seed: int = 0
  max_examples: Optional[int] = 10000   # per split, every stage
  batch_size: int = 500
  num_samples: Optional[int] = None     # generated samples for metrics (`generated_count`)
  parzen_sigmas: Sequence[float] = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
  parzen_max_eval: int = 1000           # validation/test points per sigma
  jacobian_samples: int = 64
  jacobian_max_dims: int = 1024         # larger generators: skipped (D x D per sample;
                                        # CIFAR-10's 3072: 38 MB of Jacobian a sample)
  jacobian_rows_per_pass: int = 128     # output rows a vectorized backward pass: memory
                                        # ~ chunk x rows x the generator's activations
  classifier_path: Optional[str] = None  # digits / mnist5k: *_CLASSIFIER (trained once)
  classifier_epochs: int = 20
  inception_weights: Optional[str] = None
  nearest_k: int = 5                    # k of the k-NN balls of precision / recall
  critic: independent_critic.CriticSettings = dataclasses.field(
      default_factory=independent_critic.CriticSettings)
  critic_fake_pool: int = 5000          # generated samples the critic trains on
  num_images: int = 16                  # per row of the reconstruction grid
  oneway_sample_sizes: Sequence[int] = (1, 10, 100, 1000, 10000)
  oneway_repeats: int = 10


class Context:
  """What the stages share: model, data arrays, generated samples, results."""

  def __init__(self, model, splits, out_dir: str, cfg: SuiteConfig):
    self.model, self.spec, self.cfg, self.out_dir = model, splits.spec, cfg, out_dir
    self.fig_dir = os.path.join(out_dir, "eval")
    os.makedirs(self.fig_dir, exist_ok=True)
    self.results: Dict[str, dict] = {}
    self._samples: Dict[str, np.ndarray] = {}
    self.generated_file: Optional[str] = None
    # Dequantized once with fixed seeds: every stage sees the same numbers.
    self.data = {}
    for i, name in enumerate(SPLITS):
      ds = getattr(splits, name)
      if cfg.max_examples:
        ds = ds.take(cfg.max_examples)
      self.data[name] = np.concatenate(
          [b.numpy() for b in make_batches(ds, self.spec, cfg.batch_size, training=False,
                                           seed=cfg.seed + 100 + i, cache=False)])
    self.num_generated = generated_count(cfg.num_samples, len(self.data[REFERENCE_SPLIT]))

  def fig(self, name: str) -> str:
    return os.path.join(self.fig_dir, name)

  def samples(self, key: str, n: int, offset: int) -> np.ndarray:
    """n generated samples (clipped to the data range), cached under key."""
    if key not in self._samples:
      chunk, parts = 500, []
      for i in range(0, n, chunk):
        seed = tf.constant([self.cfg.seed + offset, i // chunk])
        parts.append(np.asarray(self.model.sample(min(chunk, n - i), seed=seed),
                                np.float32))
      self._samples[key] = np.concatenate(parts)
    return self._samples[key]

  def generated(self) -> np.ndarray:
    """The held-out generated set shared by sample quality and critic evaluation;
    images are also written as integer levels to `eval/samples.npz` (`save_levels`)."""
    first = "eval" not in self._samples
    x = self.samples("eval", self.num_generated, 1000)
    if first and self.spec.is_image and self.spec.is_discrete:
      self.generated_file = save_levels(self.fig(GENERATED_FILE), x, self.spec.levels)
    return x


def generated_count(num_samples: Optional[int], num_reference: int) -> int:
  """Generated samples the sample metrics use: `num_samples` if given, else as
  many as the reference split holds (at most `max_examples`; FID, KID and
  precision / recall then compare sets of one size, e.g. CIFAR-10's 10,000 test
  images, the count Flow-GAN's known faults ask for), and at least
  MIN_GENERATED when the split is smaller (digits' 297, mnist5k's 500)."""
  if num_samples is not None:
    return int(num_samples)
  return max(MIN_GENERATED, int(num_reference))


def save_levels(path: str, x: np.ndarray, levels: int) -> str:
  """Writes images x in [0, 1] as integer levels k = clip(floor(x L), 0, L - 1)
  (`data.quantize`, the inverse of the dequantization (k + u) / L) to `path`,
  array `samples`, uint8 for L <= 256; returns path."""
  dtype = np.uint8 if levels <= 256 else np.uint16 if levels <= 2 ** 16 else np.int32
  k = quantize(x, levels).numpy().astype(dtype)
  np.savez(path, samples=k, levels=np.int32(levels))
  return path


def _tf_fn(fn):
  return tf.function(fn, reduce_retracing=True)


# Stages.
def stage_likelihood(ctx: Context) -> dict:
  kind = ctx.model.likelihood_kind
  if kind == "none":
    raise Skip(f"{type(ctx.model).__name__} has no likelihood (likelihood_kind 'none')")
  zeta = {}
  if ctx.model.energy is not None:  # P_D with the final log zeta
    zeta = final.final_log_zeta(ctx.model, restored=True)
  log_prob = _tf_fn(ctx.model.log_prob)
  reports = {name: likelihood.evaluate_log_likelihood(log_prob, x, ctx.spec, ctx.cfg.batch_size)
             for name, x in ctx.data.items()}
  out = {"kind": kind, **zeta, **{name: r.summary() for name, r in reports.items()}}
  if zeta and ctx.spec.levels:
    out["log_zeta_deficit_at_least"] = final.log_zeta_deficit(
        out["test"]["mean_bits_per_dim"], ctx.spec.num_dims)
    if "log_zeta_upper" in zeta:
      out["test"]["mean_bits_per_dim_upper"] = final.bits_per_dim_upper(
          out["test"]["mean_bits_per_dim"], zeta, ctx.spec.num_dims)
  gen = ctx.model.flow
  if gen is not None:  # Danihelka 3.2: NLL of the generator's own samples.
    x = gen.sample(min(ctx.num_generated, 1000), seed=tf.constant([ctx.cfg.seed, 17]))
    r = likelihood.evaluate_log_likelihood(log_prob, x.numpy(), ctx.spec, ctx.cfg.batch_size)
    out["generated"] = r.summary()
    fin = r.bits_per_dim[np.isfinite(r.bits_per_dim)]
    out["generated"]["median_bits_per_dim_finite"] = float(np.median(fin)) if fin.size else None
  unit = "bits/dim" if ctx.spec.levels else "nats"
  out["figures"] = [likelihood.save_nll_histogram(reports, ctx.fig("nll_histogram.png"), unit)]
  return out


def stage_parzen(ctx: Context) -> dict:
  n = ctx.cfg.parzen_max_eval
  sweep = parzen.parzen_sweep(ctx.data["train"], ctx.data["validation"][:n],
                              ctx.data["test"][:n], ctx.cfg.parzen_sigmas, ctx.spec.levels)
  out = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
         for k, v in dataclasses.asdict(sweep).items()}
  out["num_centres"] = int(len(ctx.data["train"]))
  model_test = ctx.results.get("likelihood", {}).get("test", {})
  key = "mean_bits_per_dim" if ctx.spec.levels else "mean_nll"
  y = sweep.test_bits_per_dim if ctx.spec.levels else sweep.test_nll
  out["figures"] = [summaries.plot_vs_sigma(
      ctx.fig("parzen_nll.png"), sweep.sigmas, {"Parzen test": y},
      "test bits/dim" if ctx.spec.levels else "test NLL (nats)",
      {"model test": model_test.get(key)})]
  return out


def stage_jacobian(ctx: Context) -> dict:
  gen, cfg = ctx.model.flow, ctx.cfg
  seed = tf.constant([cfg.seed, 11])
  jacobian_map = ctx.model.jacobian_map()
  if jacobian_map is None:
    raise Skip(f"{type(ctx.model).__name__} has no flow or one-way generator")
  g, sample_inputs, what = jacobian_map
  z = sample_inputs(cfg.jacobian_samples, seed=seed)
  if ctx.spec.num_dims > cfg.jacobian_max_dims:
    raise Skip(f"D = {ctx.spec.num_dims} > jacobian_max_dims = {cfg.jacobian_max_dims} "
               "(scripts/evaluate.py --jacobian_max_dims lifts it)")
  chunk = max(1, min(cfg.jacobian_samples, 2 ** 22 // ctx.spec.num_dims ** 2))
  with np.errstate(all="ignore"):  # singular values of exactly 0 occur (ADV)
    s = jacobian.jacobian_summary(g, z, batch_size=chunk,
                                  rows_per_pass=cfg.jacobian_rows_per_pass)
  with np.errstate(divide="ignore"):
    log10_cond = np.log10(s["condition_number"])
  out = {"map": what, "num_samples": int(len(s["condition_number"])),
         "jacobian_shape": s["jacobian_shape"].tolist(),
         "condition_number_median": float(np.median(s["condition_number"])),
         "log10_condition_number": summaries.stats(log10_cond),
         "log_abs_det": summaries.stats(s["log_abs_det"]),
         "numerical_rank": summaries.stats(s["rank"]),
         "singular_value_max": summaries.stats(s["singular_values"][:, 0]),
         "singular_value_min": summaries.stats(s["singular_values"][:, -1]),
         "log_singular_values_mean": s["log_singular_values_mean"].tolist()}
  if "det_sign" in s:  # strictly between 0 and 1: det J changes sign, the map folds
    out["negative_det_share"] = float(np.mean(s["det_sign"] < 0))
  if gen is not None:
    # Change of variables: log|det dg/dz| = log p_z(z) - log p_x(g(z)).
    x = gen.decode(z)
    expected = (prior(gen.prior_name, gen.num_dims).log_prob(z) - gen.log_prob(x)).numpy()
    with np.errstate(all="ignore"):
      diff = np.abs(expected - s["log_abs_det"])
    ok = np.isfinite(diff)  # both sides infinite where g saturates
    out["log_abs_det_vs_log_prob_max_abs_diff"] = float(diff[ok].max()) if ok.any() else None
    out["log_abs_det_vs_log_prob_nonfinite"] = int((~ok).sum())
  idx = np.arange(1, s["singular_values"].shape[1] + 1)
  out["figures"] = [plots.save_curve_with_errorbars(
      idx, s["log_singular_values_mean"], s["log_singular_values_std"],
      ctx.fig("jacobian_singular_values.png"), "index (descending)",
      f"log singular value of the Jacobian of {what}")]
  return out


def _feature_net(ctx: Context):
  """(feature net, p*(y) for MODE or None, description).

  digits and mnist5k: the library's classifier of that set
  (`feature_nets.LABELLED_SPLITS`), at cfg.classifier_path or DEFAULT_CLASSIFIER /
  MNIST5K_CLASSIFIER, trained on its training split and cached on first use;
  other images: a classifier at cfg.classifier_path, else InceptionV3.
  """
  cfg, spec = ctx.cfg, ctx.spec
  labelled = feature_nets.LABELLED_SPLITS.get(spec.name)
  if cfg.classifier_path and os.path.isfile(cfg.classifier_path) and labelled is None:
    net = feature_nets.ClassifierFeatureNet.load(cfg.classifier_path)
    return net, None, f"classifier {cfg.classifier_path}"
  if labelled is not None:
    default = DEFAULT_CLASSIFIER if spec.name == "digits" else MNIST5K_CLASSIFIER
    path = cfg.classifier_path or default
    x_tr, y_tr, x_te, y_te = labelled(0)
    if os.path.isfile(path):
      net = feature_nets.ClassifierFeatureNet.load(path)
    else:
      net = feature_nets.train_classifier(x_tr, y_tr, epochs=cfg.classifier_epochs, seed=0)
      os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
      tmp = f"{path[:-len('.keras')]}.tmp{os.getpid()}.keras"
      net.save(tmp)
      os.replace(tmp, path)
    desc = (f"{spec.name} classifier {path} (test accuracy "
            f"{net.accuracy(x_te, y_te):.3f})")
    return net, sample_quality.label_distribution(y_tr, 10), desc
  if not spec.is_image:
    raise Skip("sample-quality metrics need images")
  try:
    net = feature_nets.InceptionFeatureNet(cfg.inception_weights)
  except FileNotFoundError as e:
    raise Skip(str(e)) from e
  return net, None, "InceptionV3 pool3 / ImageNet logits"


def _quality(net, p_star, x, ref_acts, full: bool = True, k: int = 5) -> dict:
  """FID, Inception and MODE scores of images x against reference features;
  if full, also KID, precision / recall and density / coverage (k-NN balls)."""
  acts, logits = net(x)
  is_mean, is_std = sample_quality.inception_score(logits=logits)
  mode, _ = sample_quality.mode_score(p_star, logits=logits)
  out = {"fid": sample_quality.frechet_distance(acts, ref_acts),
         "inception_score": is_mean, "inception_score_std": is_std, "mode_score": mode}
  if full:
    out["kid"], out["kid_std"] = sample_quality.kernel_inception_distance(
        acts, ref_acts, num_subsets=20)
    out.update(sample_quality.precision_recall_density_coverage(ref_acts, acts, k))
  return out


def stage_sample_quality(ctx: Context) -> dict:
  if not ctx.spec.is_image:
    raise Skip("sample-quality metrics need images")
  gen = ctx.generated()
  net, p_star, desc = _feature_net(ctx)
  if p_star is None:  # p*(y): the classifier's label distribution on training data
    pred = np.argmax(net(ctx.data["train"])[1], -1)
    p_star = sample_quality.label_distribution(pred, int(net(gen[:1])[1].shape[-1]))
  ref_acts, _ = net(ctx.data[REFERENCE_SPLIT])
  out = {"features": desc, "reference": f"{REFERENCE_SPLIT} split",
         "num_samples": int(len(gen)), "num_reference": int(len(ref_acts)),
         "nearest_k": ctx.cfg.nearest_k,
         **_quality(net, p_star, gen, ref_acts, k=ctx.cfg.nearest_k),
         "data": _quality(net, p_star, ctx.data["train"], ref_acts, k=ctx.cfg.nearest_k)}
  pz = ctx.results.get("parzen")
  if pz:  # Flow-GAN's comparison: Parzen samples' scores per bandwidth.
    rng = np.random.default_rng(ctx.cfg.seed)
    train = ctx.data["train"]
    rows = []
    for sigma in pz["sigmas"]:
      idx = rng.integers(0, len(train), len(gen))
      xs = np.clip(train[idx] + sigma * rng.standard_normal(train[idx].shape), 0, 1)
      rows.append(_quality(net, p_star, xs.astype(np.float32), ref_acts, full=False))
    out["parzen"] = {"sigmas": pz["sigmas"],
                     **{k: [r[k] for r in rows] for k in ("fid", "mode_score",
                                                          "inception_score")}}
  out["figures"] = [plots.save_image_grid(gen[:64], ctx.fig("samples.png"), nrow=8)]
  if pz:
    out["figures"].append(summaries.plot_vs_sigma(
        ctx.fig("parzen_vs_model_mode_score.png"), pz["sigmas"],
        {"Parzen samples": out["parzen"]["mode_score"]}, "MODE score",
        {"model": out["mode_score"], "data (train split)": out["data"]["mode_score"]}))
  return out


def stage_independent_critic(ctx: Context) -> dict:
  fake_eval = ctx.generated()
  fake_train = ctx.samples("critic", ctx.cfg.critic_fake_pool, 2000)
  pre = (lambda x: 2.0 * np.asarray(x, np.float32) - 1.0) if ctx.spec.is_image else None
  out = independent_critic.evaluate_independent_critic(
      ctx.data["validation"], fake_train, fake_eval,
      {"train": ctx.data["train"], "test": ctx.data["test"]}, ctx.cfg.critic, pre)
  out["critic_input"] = "2x - 1" if ctx.spec.is_image else "x"
  h = out["history"]
  out["figures"] = [plots.save_curve_with_errorbars(
      h["step"], h["wasserstein"], np.zeros(len(h["step"])),
      ctx.fig("independent_critic_training.png"), "critic step",
      "W_hat(validation, generated), batch mean")]
  return out


def stage_latent(ctx: Context) -> dict:
  gen = ctx.model.flow
  if gen is None:
    raise Skip(f"{type(ctx.model).__name__} has no invertible flow generator (no encode)")
  return latent.latent_report(gen, ctx.data["validation"], ctx.fig_dir,
                              ctx.cfg.num_images, 0.5, ctx.cfg.seed, ctx.spec.is_image)


def stage_oneway(ctx: Context) -> dict:
  if ctx.model.energy is None:
    raise Skip(f"{type(ctx.model).__name__} is not an energy model")
  model, cfg, spec = ctx.model, ctx.cfg, ctx.spec
  energy = _tf_fn(model.energy)
  f = lambda y: energy(tf.convert_to_tensor(y, tf.float32)).numpy()
  proposals = {"generator": model.proposal()}
  if model.generator.logdet_mode != "exact" and spec.num_dims <= EXACT_CURVE_MAX_DIMS:
    proposals["generator, exact log-dets"] = model.exact_proposal(cfg.seed + 31)
  sizes = list(cfg.oneway_sample_sizes)
  is_mixture = spec.name in toy2d.MIXTURES
  if is_mixture:
    proposals["standard normal"] = partition.normal_proposal(spec.shape, seed=cfg.seed)
    proposals["true density"] = partition.mixture_proposal(spec.name, seed=cfg.seed)
  else:
    sizes = [s for s in sizes if s <= 1000]
  curves = {k: partition.log_zeta_curve(f, p, sizes, cfg.oneway_repeats, 1000)
            for k, p in proposals.items()}
  out = {**{"stored_" + k: v for k, v in model.log_zeta_record().items()},
         "log_zeta_curves": {k: {kk: v.tolist() for kk, v in c.items()}
                             for k, c in curves.items()}}
  figs = [partition.save_log_zeta_curves(
      ctx.fig("log_zeta_vs_samples.png"), curves,
      title=f"{spec.name}: mean +- std of {cfg.oneway_repeats} estimates per S")]
  e = {k: np.concatenate([f(x[i:i + 1000]) for i in range(0, len(x), 1000)])
       for k, x in (("train", ctx.data["train"]), ("test", ctx.data["test"]))}
  out["discriminator_log_density"] = {k: summaries.stats(v) for k, v in e.items()}
  overlap = out["discriminator_train_vs_test"] = oneway_figures.train_test_overlap(
      e["train"], e["test"])
  figs.append(plots.save_histogram(e, ctx.fig("discriminator_histogram.png"),
                                   "D(x)/w (unnormalized log-density)", density=True,
                                   title=oneway_figures.overlap_title(overlap)))
  if spec.is_image:  # Fig. 4, 7, 8
    images = oneway_figures.save_image_figures(model.generator, f, ctx.generated(), ctx.fig,
                                               cfg.seed)
    figs.extend(images.pop("figures"))
    out["image_figures"] = images
  if is_mixture:
    pts = model.sample(modes2d.NUM_EVAL_POINTS, seed=tf.constant([cfg.seed, 5]))
    out["modes2d"] = modes2d.mixture_metrics(spec.name, pts)
    figs.append(modes2d.save_density_and_samples(
        ctx.fig("density_2d.png"), lambda g: model.log_prob(g).numpy(), pts,
        modes2d.mixture_extent(spec.name), title=f"log P_D, {spec.name}",
        reference=toy2d.get_mixture(spec.name).means))
  out["figures"] = figs
  if spec.num_dims <= cfg.jacobian_max_dims:  # n x n Jacobians, as in `stage_jacobian`
    out["logdet_bias"] = logdet_bias.logdet_bias(model.generator, cfg.jacobian_samples,
                                                 seed=cfg.seed)
  return out


STAGE_FNS: Dict[str, Callable[[Context], dict]] = {
    "likelihood": stage_likelihood, "parzen": stage_parzen, "jacobian": stage_jacobian,
    "sample_quality": stage_sample_quality, "independent_critic": stage_independent_critic,
    "latent": stage_latent, "oneway": stage_oneway}


def run_suite(model, splits, out_dir: str, cfg: Optional[SuiteConfig] = None,
              info: Optional[dict] = None, log: Callable[[str], None] = print) -> dict:
  """Runs the stages in `cfg.stages`, writes `out_dir/eval.json` and returns it."""
  cfg = cfg or SuiteConfig()
  unknown = set(cfg.stages) - set(STAGES)
  if unknown:
    raise ValueError(f"unknown stages {sorted(unknown)}; available: {', '.join(STAGES)}")
  start = time.time()
  ctx = Context(model, splits, out_dir, cfg)
  log(f"[evaluate] {'data':<20s} ok ({time.time() - start:.1f} s): "
      + ", ".join(f"{k} {len(v)}" for k, v in ctx.data.items()))
  result = {"model": type(model).__name__, "dataset": ctx.spec.name,
            "num_dims": ctx.spec.num_dims, "levels": ctx.spec.levels,
            "likelihood_kind": model.likelihood_kind, "info": info or {},
            "settings": dataclasses.asdict(cfg), "skipped": {}, "errors": {},
            "seconds": {"data": time.time() - start}}
  for name in cfg.stages:
    t = time.time()
    try:
      ctx.results[name] = result[name] = STAGE_FNS[name](ctx)
      status = "ok"
    except Skip as e:
      result["skipped"][name] = str(e)
      status = f"skipped: {e}"
    except Exception as e:  # pylint: disable=broad-except
      result["errors"][name] = f"{type(e).__name__}: {e}"
      traceback.print_exc()
      status = f"ERROR {type(e).__name__}: {e}"
    result["seconds"][name] = time.time() - t
    log(f"[evaluate] {name:<20s} {status} ({result['seconds'][name]:.1f} s)")
  result["seconds"]["total"] = time.time() - start
  if ctx.generated_file:
    result["generated_samples"] = {"path": ctx.generated_file,
                                   "count": int(len(ctx.generated())),
                                   "levels": ctx.spec.levels}
  result["summary"] = report.summarize(result)
  result = summaries.jsonable(result)
  with open(os.path.join(out_dir, "eval.json"), "w") as fh:
    json.dump(result, fh, indent=2)
  return result
