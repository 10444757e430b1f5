"""Compare trained digits runs (VAE vs AV-ADE, Lucas et al. 2019 Table 1 style):
bits/dim bounds from each run's metrics.json, and sample quality (FID, KID and
classifier score) on the library's digits-classifier features.

  python scripts/avade_digits_report.py \
      --run vae=runs/vae_digits --run avade=runs/avade_digits \
      [--classifier runs/digits_classifier.keras] [--train_missing]

Scale: the classifier is trained on digits levels k / 16; the models' samples
live on the dequantized scale (k + u) / 17, so samples are quantized to levels
k = clip(floor(17 x), 0, 16) and divided by 16 before the classifier (the
real reference images get the same k / 16). FID reference: the training split
(1300 images) and the held-out test split (297); `real test` is the FID of the
test split itself against the same references (a floor for the noise).
"""

import json
import os
import subprocess
import sys

import numpy as np
from absl import app, flags

flags.DEFINE_multi_string("run", ["vae=runs/vae_digits", "avade=runs/avade_digits"],
                          "name=workdir of a digits training run.")
flags.DEFINE_string("classifier", "runs/digits_classifier.keras",
                    "digits classifier (.keras); trained and saved here when absent.")
flags.DEFINE_integer("num_samples", 1300, "samples per model.")
flags.DEFINE_integer("seed", 1234, "sampling seed.")
flags.DEFINE_bool("train_missing", False, "train runs whose workdir has no metrics.json "
                  "with configs/<name>_digits.gin.")
flags.DEFINE_string("out", None, "also write the table as JSON here.")
FLAGS = flags.FLAGS


def _levels(split):
  return np.concatenate([b for b in split.batch(2048).as_numpy_iterator()])


def main(argv):
  del argv
  import tensorflow as tf
  from tfflowgan.data import load_splits
  from tfflowgan.evaluation import feature_nets as fn
  from tfflowgan.evaluation import sample_quality as sq
  from tfflowgan.workdir import restore_workdir

  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  runs = dict(r.split("=", 1) for r in FLAGS.run)
  for name, workdir in runs.items():
    if not os.path.isfile(os.path.join(workdir, "metrics.json")):
      if not FLAGS.train_missing:
        sys.exit(f"{workdir}/metrics.json missing: train it or pass --train_missing")
      subprocess.run([sys.executable, os.path.join(root, "scripts", "train.py"), "--config",
                      os.path.join(root, "configs", f"{name}_digits.gin"),
                      "--workdir", workdir], check=True)

  if os.path.isfile(FLAGS.classifier):
    net = fn.ClassifierFeatureNet.load(FLAGS.classifier)
  else:
    x_tr, y_tr, x_te, y_te = fn.load_digits_split()
    net = fn.train_classifier(x_tr, y_tr, epochs=30)
    print(f"classifier test accuracy {net.accuracy(x_te, y_te):.3f}")
    os.makedirs(os.path.dirname(FLAGS.classifier) or ".", exist_ok=True)
    net.save(FLAGS.classifier)

  splits = load_splits("digits")
  real = {s: _levels(getattr(splits, s)).astype(np.float32) / 16.0 for s in ("train", "test")}
  ref = {s: net(x)[0] for s, x in real.items()}

  def scores(images):
    acts, logits = net(images)
    return {"fid_train": sq.frechet_distance(acts, ref["train"]),
            "fid_test": sq.frechet_distance(acts, ref["test"]),
            "kid_train": sq.kernel_inception_distance(acts, ref["train"], 10, 297)[0],
            "classifier_score": sq.inception_score(logits, num_splits=1)[0]}

  rows = {"real test": scores(real["test"])}
  for name, workdir in runs.items():
    metrics = json.load(open(os.path.join(workdir, "metrics.json")))
    model, spec, _ = restore_workdir(workdir)
    x = model.sample(FLAGS.num_samples, seed=tf.constant([FLAGS.seed, 0])).numpy()
    k = np.clip(np.floor(x * spec.levels), 0, spec.levels - 1)
    row = {key: metrics.get(f"test_{key}") for key in
           ("bits_per_dim_bound", "bits_per_dim_iwae", "recon_mse")}
    row.update(scores((k / (spec.levels - 1)).astype(np.float32)))
    row["train_seconds"] = metrics.get("train_seconds")
    rows[name] = row

  cols = ["bits_per_dim_bound", "bits_per_dim_iwae", "fid_train", "fid_test", "kid_train",
          "classifier_score", "recon_mse", "train_seconds"]
  fmt = lambda v: "-" if v is None else f"{v:.4g}"
  print("| model | " + " | ".join(cols) + " |")
  print("|---" * (len(cols) + 1) + "|")
  for name, row in rows.items():
    print(f"| {name} | " + " | ".join(fmt(row.get(c)) for c in cols) + " |")
  if FLAGS.out:
    with open(FLAGS.out, "w") as f:
      json.dump(rows, f, indent=2)


if __name__ == "__main__":
  app.run(main)
