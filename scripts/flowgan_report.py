"""Flow-GAN's comparison of objectives over seeds: the seed-spread table, the
Parzen sweep, Jacobian singular value and NLL-over-training figures, a sample
grid per objective, and the paper's findings as plain lines.

  python scripts/flowgan_report.py --group MLE runs/mle_s0 runs/mle_s1 runs/mle_s2 \\
      --group ADV runs/adv_s0 ... --group Hybrid runs/hybrid_s0 ... --out_dir docs/x

Each folder is a trained and evaluated run (scripts/train.py, then
scripts/evaluate.py). Writes OUT_DIR/{seeds.md, findings.md, parzen.png,
singular_values.png, nll_over_training.png, samples.png}. Figures:
`tfflowgan/evaluation/flowgan_figures.py`; table: `seed_spread.py`.
"""

import argparse
import math
import os

import numpy as np

from tfflowgan.evaluation import flowgan_figures, group_report, report, seed_spread


def _run(d):
  files = group_report.read_run(d, ("eval.json", "metrics.json", "history.csv"),
                                "train (scripts/train.py) and evaluate (scripts/evaluate.py) "
                                "the run first")
  ev = files["eval.json"]
  offset = ev["num_dims"] * math.log(ev["levels"])  # discrete nats -> continuous nats
  val_nll = [float(r["val_nll"]) - offset for r in files["history.csv"]]
  return {"dir": d, "eval": ev, "summary": report.summarize(ev, files["metrics.json"]),
          "val_nll": val_nll}


def _col(runs, key):
  return [r["summary"][key] for r in runs]


def _fmt(vals, fmt="{:.3f}"):
  """mean ± std over the seeds' finite values, as the seed table's cells."""
  return seed_spread.spread(vals).cell(fmt)


def _each(vals, fmt):
  return "[" + ", ".join("inf" if not np.isfinite(v) else fmt.format(v) for v in vals) + "]"


def groups_dims(groups) -> int:
  return next(iter(groups.values()))[0]["eval"]["num_dims"]


def findings(groups, sigmas, parzen_nll, parzen_mode) -> str:
  """The paper's claims, each with its figures (mean ± std over seeds)."""
  lines = []
  g = {k.lower(): v for k, v in groups.items()}
  mean = lambda runs, key: seed_spread.spread(_col(runs, key)).mean  # nan: none measured
  if "mle" in g and "adv" in g:
    key = "best_validation_test_bits_per_dim"
    mle, adv = mean(g["mle"], key), mean(g["adv"], key)
    lines.append(f"- MLE beats ADV on test NLL at the best-validation checkpoint: "
                 f"{'holds' if adv > mle else 'does not hold'} (bits/dim MLE "
                 f"{_fmt(_col(g['mle'], key))}, ADV {_fmt(_col(g['adv'], key))}).")
    last = [r["val_nll"][-1] for r in g["adv"]]
    best = [min(r["val_nll"]) for r in g["adv"]]
    epochs = [int(np.argmin(r["val_nll"])) + 1 for r in g["adv"]]
    lines.append(f"- ADV's validation NLL worsens as it trains: "
                 f"{'holds' if np.mean(last) > np.mean(best) else 'does not hold'} (nats: "
                 f"best {_fmt(best, '{:.0f}')} at epochs {epochs}, last "
                 f"{_fmt(last, '{:.0f}')}).")
    mm, ma = mean(g["mle"], "mode_score"), mean(g["adv"], "mode_score")
    if math.isfinite(mm) and math.isfinite(ma):
      lines.append(f"- ADV beats MLE on MODE score: {'holds' if ma > mm else 'does not hold'} "
                   f"(MLE {_fmt(_col(g['mle'], 'mode_score'), '{:.2f}')}, ADV "
                   f"{_fmt(_col(g['adv'], 'mode_score'), '{:.2f}')}).")
    cond = {k: _col(g[k], "condition_number") for k in g}
    if all(v is not None for k in ("mle", "adv") for v in cond[k]):
      worse = np.median(cond["adv"]) > np.median(cond["mle"])  # inf: a singular Jacobian
      lines.append(f"- ADV's Jacobian is worse conditioned than MLE's: "
                   f"{'holds' if worse else 'does not hold'} (median condition number over "
                   "prior samples, per seed: " + ", ".join(
                       f"{name} {_each(cond[k], '{:.3g}')}" for name, k in
                       ((n, n.lower()) for n in groups)) + "; median numerical rank, "
                   f"D = {groups_dims(groups)}: " + ", ".join(
                       f"{n} {_fmt(_col(groups[n], 'numerical_rank'), '{:.0f}')}"
                       for n in groups) + ").")
    if parzen_mode is not None and math.isfinite(ma):
      shade = flowgan_figures.beats_on_both(parzen_nll, parzen_mode,
                                            mean(g["adv"], "best_validation_test_nll_nats"), ma)
      lines.append(f"- A Parzen window beats ADV on both test NLL and MODE score for some "
                   f"bandwidth: {'holds' if shade.any() else 'does not hold'} (sigmas "
                   f"{[float(s) for s in np.asarray(sigmas)[shade]]}).")
  if "mle" in g and "hybrid" in g:
    key = "best_validation_test_bits_per_dim"
    mle, hyb = mean(g["mle"], key), mean(g["hybrid"], key)
    rel = (hyb - mle) / mle
    lines.append(f"- Hybrid's test bits/dim within 10% of MLE's (the paper: better than MLE's): "
                 f"{'holds' if abs(rel) <= 0.1 else 'does not hold'} ({rel:+.1%}; Hybrid "
                 f"{_fmt(_col(g['hybrid'], key))}).")
    mh, mm = mean(g["hybrid"], "mode_score"), mean(g["mle"], "mode_score")
    if math.isfinite(mh) and math.isfinite(mm):
      lines.append(f"- Hybrid beats MLE on MODE score: {'holds' if mh > mm else 'does not hold'} "
                   f"(Hybrid {_fmt(_col(g['hybrid'], 'mode_score'), '{:.2f}')}).")
  return "\n".join(lines) + "\n"


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--group", nargs="+", action="append", required=True,
                      metavar=("NAME", "DIR"), help="an objective's name and its runs")
  parser.add_argument("--out_dir", required=True)
  args = parser.parse_args(argv)
  groups = seed_spread.read_groups(args.group, _run)
  os.makedirs(args.out_dir, exist_ok=True)
  out = lambda name: os.path.join(args.out_dir, name)

  table = seed_spread.spread_table(seed_spread.group_spreads(
      {k: [r["summary"] for r in runs] for k, runs in groups.items()}))
  first = next(iter(groups.values()))[0]["eval"]
  pz, sq = first.get("parzen", {}), first.get("sample_quality", {}).get("parzen", {})
  sigmas, parzen_nll = pz.get("sigmas"), pz.get("test_nll")
  parzen_mode = sq.get("mode_score") if sq.get("sigmas") == sigmas else None
  figures = []
  if sigmas:
    figures.append(flowgan_figures.parzen_figure(
        sigmas, parzen_nll, parzen_mode,
        {k: _col(r, "best_validation_test_nll_nats") for k, r in groups.items()},
        {k: _col(r, "mode_score") for k, r in groups.items()}, out("parzen.png"),
        extra_nll={f"{k}, last epoch": _col(r, "test_nll_nats") for k, r in groups.items()
                   if k.lower() == "adv"},
        title="objectives: test NLL at the best-validation checkpoint, MODE score at the "
        "last; bands: mean +- std over seeds"))
  sv = {k: [r["eval"]["jacobian"]["log_singular_values_mean"] for r in runs]
        for k, runs in groups.items() if all("jacobian" in r["eval"] for r in runs)}
  if sv:
    figures.append(flowgan_figures.singular_values_figure(sv, out("singular_values.png")))
  figures.append(flowgan_figures.nll_over_training_figure(
      {k: [r["val_nll"] for r in runs] for k, runs in groups.items()},
      out("nll_over_training.png"), log_y=True))
  figures += group_report.samples_grid({k: runs[0]["dir"] for k, runs in groups.items()},
                                       out("samples.png"), 32)
  group_report.write(args.out_dir, table, findings(groups, sigmas or [], parzen_nll, parzen_mode),
                     figures)


if __name__ == "__main__":
  main()
