"""Danihelka et al. (2017)'s comparison of NVP generators across training
objectives, depths and seeds, from evaluated runs:

- the seed table: exact test NLL (bits/dim), the independent critic's W_hat
  on train / validation / test at the last round of training (eq. 6-8: a
  critic trained on validation images against generator samples), sample
  metrics, and the statistics of inferred latents z = f(x) (Sec. 3.3);
- `critic_figure`: W_hat(train) and W_hat(test) over training (Fig. 14);
- `findings`: the paper's claims as plain lines with their figures.
"""

import dataclasses
import functools
from typing import Dict, List, Sequence

import numpy as np

from tfflowgan.evaluation import plots, report, seed_spread

SPLITS = ("train", "validation", "test")
COLUMNS = (
    ("test_bits_per_dim", "test bits/dim", "{:.3f}"),
    ("best_validation_test_bits_per_dim", "test bits/dim at best validation", "{:.3f}"),
    ("generated_bits_per_dim", "bits/dim of its own samples", "{:.3f}"),
    *((f"critic_w_{s}", f"W_hat({s})", "{:.2f}") for s in SPLITS),
    ("critic_w_test_minus_train", "W_hat(test) - W_hat(train)", "{:.2f}"),
    ("latent_mean", "z mean", "{:.3f}"),
    ("latent_std", "z std", "{:.3f}"),
    ("fid", "FID", "{:.1f}"),
    ("mode_score", "MODE score", "{:.2f}"),
)


@dataclasses.dataclass
class RunRecord:
  """One trained and evaluated run: its folder, eval.json, metrics.json,
  bits/dim per epoch (train, validation) and the critic rounds
  (`critic_history.json`'s history)."""
  dir: str
  eval: dict
  metrics: dict
  train_bpd: List[float]
  val_bpd: List[float]
  critic: List[dict]

  @functools.cached_property
  def summary(self) -> Dict[str, object]:
    """`report.summarize`'s headline numbers and this module's columns."""
    out = report.summarize(self.eval, self.metrics)
    last = self.critic[-1] if self.critic else {}
    for s in SPLITS:
      out[f"critic_w_{s}"] = last.get(f"critic_w_{s}")
    if last:
      out["critic_w_test_minus_train"] = last["critic_w_test"] - last["critic_w_train"]
    out["generated_bits_per_dim"] = report._num(  # pylint: disable=protected-access
        self.eval.get("likelihood", {}).get("generated", {}).get("mean_bits_per_dim"))
    stats = self.eval.get("latent", {}).get("statistics", {})
    out["latent_mean"], out["latent_std"] = stats.get("mean"), stats.get("std")
    return out


def critic_figure(rounds: Dict[str, Sequence[Sequence[dict]]], path: str) -> str:
  """Per group, W_hat(train) (dashed) and W_hat(test) (solid) against the
  training step: the mean over seeds, band min-max (seeds cut to the fewest
  rounds)."""
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, ax = plt.subplots(figsize=(6.5, 4))
  for i, (name, runs) in enumerate(rounds.items()):
    n = min(len(r) for r in runs)
    steps = [h["step"] for h in runs[0][:n]]
    for split, style in (("test", "-"), ("train", "--")):
      w = np.asarray([[h[f"critic_w_{split}"] for h in r[:n]] for r in runs], np.float64)
      ax.plot(steps, w.mean(0), style, color=f"C{i}", marker="o", markersize=3,
              label=f"{name}, {split} ({len(w)} seeds)")
      ax.fill_between(steps, w.min(0), w.max(0), color=f"C{i}", alpha=0.15)
  ax.set_xlabel("training step (batches; WGAN: critic updates)")
  ax.set_ylabel("W_hat (independent critic)")
  ax.set_yscale("log")
  ax.legend(fontsize=7)
  return plots.save_figure(fig, path)


def _cell(runs: Sequence[RunRecord], key: str, fmt: str) -> str:
  return seed_spread.spread([r.summary.get(key) for r in runs]).cell(fmt)


def _mean(runs: Sequence[RunRecord], key: str) -> float:
  return seed_spread.spread([r.summary.get(key) for r in runs]).mean


def findings(groups: Dict[str, Sequence[RunRecord]]) -> str:
  """The paper's claims, each 'holds' or 'does not hold' with its figures
  (mean ± std over seeds). Groups named '... MLE' / '... WGAN'."""
  mle = {k: v for k, v in groups.items() if "mle" in k.lower()}
  wgan = {k: v for k, v in groups.items() if "wgan" in k.lower()}
  bpd, lines = "test_bits_per_dim", []
  for w, wruns in wgan.items():
    for m, mruns in mle.items():
      if m.split()[0] == w.split()[0]:  # the same generator
        worse = _mean(wruns, bpd) > _mean(mruns, bpd)
        lines.append(f"- {w}'s test NLL is far worse than {m}'s (Fig. 13): "
                     f"{'holds' if worse else 'does not hold'} (bits/dim {w} "
                     f"{_cell(wruns, bpd, '{:.2f}')}, {m} {_cell(mruns, bpd, '{:.3f}')}).")
  if len(mle) > 1:
    by_nll = sorted(mle, key=lambda k: _mean(mle[k], bpd))
    by_w = sorted(mle, key=lambda k: _mean(mle[k], "critic_w_test"))
    lines.append(f"- The independent critic ranks the MLE generators as their test NLL does "
                 f"(finding 1): {'holds' if by_nll == by_w else 'does not hold'} (by NLL "
                 f"{by_nll}, by W_hat(test) {by_w}; W_hat(test) " + ", ".join(
                     f"{k} {_cell(v, 'critic_w_test', '{:.2f}')}" for k, v in mle.items())
                 + ").")
    points = [(r.summary[bpd], r.summary["critic_w_test"]) for v in mle.values() for r in v]
    pairs = [(a, b) for i, a in enumerate(points) for b in points[i + 1:]]
    alike = sum((a[0] - b[0]) * (a[1] - b[1]) > 0 for a, b in pairs)
    lines.append(f"- Over all {len(points)} MLE runs, pairs ordered alike by test NLL and by "
                 f"W_hat(test): {alike} of {len(pairs)}.")
  for name, runs in groups.items():
    gaps = [r.summary["critic_w_test_minus_train"] for r in runs]
    below = sum(g > 0 for g in gaps)
    lines.append(f"- {name}: W_hat(train) < W_hat(test) at the last round (finding 2, "
                 f"over-fitting): {'holds' if below == len(runs) else 'does not hold'}: true "
                 f"for {below} of {len(runs)} seeds (test - train: "
                 + ", ".join(f"{g:+.2f}" for g in gaps) + "; train "
                 f"{_cell(runs, 'critic_w_train', '{:.2f}')}, validation "
                 f"{_cell(runs, 'critic_w_validation', '{:.2f}')}, test "
                 f"{_cell(runs, 'critic_w_test', '{:.2f}')}).")
  for name, runs in groups.items():
    lines.append(f"- {name}: inferred latents z = f(x) of validation images have mean "
                 f"{_cell(runs, 'latent_mean', '{:.3f}')} and std "
                 f"{_cell(runs, 'latent_std', '{:.3f}')} (the prior: 0 and 1; the paper, NVP3: "
                 f"MLE 0.05 / 1.05, WGAN std up to 9).")
  return "\n".join(lines) + "\n"
