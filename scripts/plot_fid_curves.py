"""FID over training for several runs in one PNG (Ben-Dov et al., Fig. 6).

  python scripts/plot_fid_curves.py --runs "one-way S=1=runs/ow1" "one-way S=2=runs/ow2" \
      "WGAN-GP=runs/wgan_gp" --out fid_curves.png

Each run is LABEL=WORKDIR (the label may hold '='; the workdir follows the
last one); WORKDIR/fid_history.json is written during training by
`train.fid_every_epochs` (`tfflowgan.callbacks.FIDHistory`). One curve per
run, FID against the epoch, on a log axis when the values span more than 10x.
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top,wrong-import-position

HISTORY = "fid_history.json"  # tfflowgan.callbacks.FID_HISTORY (no TF import here)


def parse_run(text):
  """'LABEL=WORKDIR' -> (label, workdir)."""
  label, sep, workdir = text.rpartition("=")
  if not sep or not label or not workdir:
    raise ValueError(f"--runs entries are LABEL=WORKDIR, got {text!r}")
  return label, workdir


def read_history(workdir):
  """(epochs, fids, features) of WORKDIR/fid_history.json."""
  path = os.path.join(workdir, HISTORY)
  if not os.path.isfile(path):
    raise FileNotFoundError(f"{path} not found: train with train.fid_every_epochs > 0")
  with open(path) as f:
    record = json.load(f)
  rows = record["history"]
  return [r["epoch"] for r in rows], [float(r["fid"]) for r in rows], record.get("features", "")


def plot_fid_curves(runs, out, title="FID during training"):
  """runs: [(label, workdir)]; writes the figure to `out` and returns it."""
  fig, ax = plt.subplots(figsize=(6, 4))
  features, all_fids = set(), []
  for label, workdir in runs:
    epochs, fids, feats = read_history(workdir)
    ax.plot(epochs, fids, marker="o", markersize=3, label=label)
    features.add(feats)
    all_fids += fids
  positive = [v for v in all_fids if v > 0]
  if positive and max(positive) > 10 * min(positive):
    ax.set_yscale("log")
  ax.set_xlabel("epoch")
  ax.set_ylabel("FID")
  ax.set_title(title)
  ax.legend()
  ax.grid(alpha=0.3)
  if features - {""}:
    fig.text(0.01, 0.01, "features: " + "; ".join(sorted(features - {""})), fontsize=6)
  fig.tight_layout(rect=(0, 0.03, 1, 1))
  os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
  fig.savefig(out, dpi=120)
  plt.close(fig)
  return out


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--runs", nargs="+", required=True, help="LABEL=WORKDIR ...")
  parser.add_argument("--out", default="fid_curves.png")
  parser.add_argument("--title", default="FID during training")
  args = parser.parse_args(argv)
  try:
    runs = [parse_run(r) for r in args.runs]
    print(plot_fid_curves(runs, args.out, args.title))
  except (ValueError, FileNotFoundError, KeyError) as e:
    print(f"Error: {e}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main())
