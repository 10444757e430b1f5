"""Danihelka et al.'s comparison of NVP generators over seeds: MLE against
WGAN and shallow against deep, by exact NLL and by the independent critic.

  python scripts/danihelka_report.py --group "NVP1 MLE" runs/a_s0 runs/a_s1 ... \\
      --group "NVP2 MLE" ... --group "NVP1 WGAN" ... --out_dir docs/x

Each folder is a run trained with `train.critic_every_epochs` (the
independent critic over training, Sec. 3.5) and evaluated by
`scripts/evaluate.py` (stages likelihood, sample_quality, latent). A group
whose name holds "WGAN" was trained adversarially, "MLE" by maximum
likelihood. Writes OUT_DIR/{seeds.md, findings.md, bits_per_dim.png (Fig. 13),
critic_w.png (Fig. 14), samples.png, partial_reconstructions_<group>.png}.
"""

import argparse
import os
import shutil

from tfflowgan.evaluation import danihelka, flowgan_figures, group_report, seed_spread


def _run(d):
  files = group_report.read_run(
      d, ("eval.json", "metrics.json", "history.csv", "critic_history.json"),
      "train (scripts/train.py with train.critic_every_epochs) and evaluate "
      "(scripts/evaluate.py) the run first")
  rows = files["history.csv"]
  return danihelka.RunRecord(
      d, files["eval.json"], files["metrics.json"], [float(r["bits_per_dim"]) for r in rows],
      [float(r["val_bits_per_dim"]) for r in rows], files["critic_history.json"]["history"])


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--group", nargs="+", action="append", required=True,
                      metavar=("NAME", "DIR"), help="a generator's name and its runs")
  parser.add_argument("--out_dir", required=True)
  args = parser.parse_args(argv)
  groups = seed_spread.read_groups(args.group, _run)
  os.makedirs(args.out_dir, exist_ok=True)
  out = lambda name: os.path.join(args.out_dir, name)

  summaries = {k: [r.summary for r in runs] for k, runs in groups.items()}
  table = seed_spread.spread_table(seed_spread.group_spreads(summaries, danihelka.COLUMNS),
                                   danihelka.COLUMNS)
  figures = [
      flowgan_figures.nll_over_training_figure(
          {f"{k} {split}": [getattr(r, attr) for r in runs] for k, runs in groups.items()
           for split, attr in (("train", "train_bpd"), ("validation", "val_bpd"))},
          out("bits_per_dim.png"), ylabel="bits/dim (discrete)", log_y=True),
      danihelka.critic_figure({k: [r.critic for r in runs] for k, runs in groups.items()},
                              out("critic_w.png"))]
  for name, runs in groups.items():  # the first seed's partial reconstructions
    rec = os.path.join(runs[0].dir, "eval", "partial_reconstructions.png")
    if os.path.isfile(rec):
      slug = name.lower().replace(" ", "_")
      figures.append(shutil.copyfile(rec, out(f"partial_reconstructions_{slug}.png")))
  figures += group_report.samples_grid({k: runs[0].dir for k, runs in groups.items()},
                                       out("samples.png"), 16)
  group_report.write(args.out_dir, table, danihelka.findings(groups), figures)


if __name__ == "__main__":
  main()
