"""Evaluate a trained model: every measurement that applies, as JSON and PNGs.

  python scripts/evaluate.py --workdir runs/realnvp_digits_mle
  python scripts/evaluate.py --checkpoint DIR/checkpoints/ckpt-40 --config configs/X.gin \
      [--out_dir DIR]

Writes OUT/eval.json and figures in OUT/eval/ (OUT = --out_dir, else the
workdir, else the folder above the checkpoint's `checkpoints/`). One progress
line per stage with its time. Stages: see `tfflowgan/evaluation/suite.py`.
Exit status 1 if a stage failed (the others still run and are written). A
user error (missing workdir, config or checkpoint, a checkpoint that does not
read, missing data) ends with one line on stderr; --debug (or
TFFLOWGAN_DEBUG=1) shows the traceback.
"""

import dataclasses
import os
import sys
import time

from absl import app, flags, logging

from tfflowgan import cli

flags.DEFINE_string("workdir", None, "training workdir (config.gin + checkpoints/).")
flags.DEFINE_string("checkpoint", None, "checkpoint prefix (with --config); default latest.")
flags.DEFINE_multi_string("config", None, "gin config file(s) (with --checkpoint).")
flags.DEFINE_multi_string("gin_bindings", [], "extra gin bindings.")
flags.DEFINE_string("out_dir", None, "output folder (default: see module doc).")
flags.DEFINE_list("stages", None, "stages to run (default all).")
flags.DEFINE_integer("seed", 0, "seed of dequantization noise and samples.")
flags.DEFINE_integer("max_examples", 10000, "examples per split at most.")
flags.DEFINE_integer("num_samples", None,
                     "generated samples for the metrics (default: as many as the reference "
                     "(test) split holds, at least 1000).")
flags.DEFINE_integer("critic_steps", 1000, "independent critic training steps.")
flags.DEFINE_enum("critic_loss", "wgan_gp", ["wgan_gp", "wgan"], "independent critic loss.")
flags.DEFINE_integer("critic_fake_pool", 5000, "generated samples the critic trains on.")
flags.DEFINE_string("classifier", None,
                    "feature classifier .keras (digits default runs/_classifier/digits.keras, "
                    "trained and cached there if missing).")
flags.DEFINE_integer("classifier_epochs", 20, "epochs when the digits classifier is trained.")
flags.DEFINE_string("inception_weights", None, "local InceptionV3 weights (.h5).")
flags.DEFINE_integer("jacobian_samples", 64, "prior samples for the Jacobian analysis.")
flags.DEFINE_integer("jacobian_max_dims", 1024,
                     "the Jacobian analysis skips data of more dimensions (a D x D Jacobian "
                     "per sample; CIFAR-10: 3072).")
flags.DEFINE_integer("nearest_k", 5, "k of the k-NN balls of precision / recall / density / "
                     "coverage.")
FLAGS = flags.FLAGS


def _load():
  """(model, splits, info, out_dir) of the flags; the output folder is writable."""
  from tfflowgan import workdir as workdir_lib  # pylint: disable=g-import-not-at-top
  from tfflowgan.evaluation import restore  # pylint: disable=g-import-not-at-top
  if FLAGS.workdir:
    model, splits, info = restore.load_model_with_info(FLAGS.workdir, FLAGS.checkpoint,
                                                       FLAGS.gin_bindings)
    out_dir = FLAGS.out_dir or FLAGS.workdir
  else:
    model, splits, info = restore.load_model(FLAGS.config, FLAGS.checkpoint,
                                             FLAGS.gin_bindings)
    parent = os.path.dirname(os.path.abspath(FLAGS.checkpoint))
    out_dir = FLAGS.out_dir or (os.path.dirname(parent)
                                if os.path.basename(parent) == "checkpoints" else parent)
  workdir_lib.make_workdir(out_dir, "--out_dir" if FLAGS.out_dir else "--workdir")
  return model, splits, info, out_dir


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  if bool(FLAGS.workdir) == bool(FLAGS.checkpoint and FLAGS.config):
    sys.exit("give --workdir, or --checkpoint with --config")
  from tfflowgan.evaluation import independent_critic, suite  # pylint: disable=g-import-not-at-top
  t = time.time()
  model, splits, info, out_dir = cli.run(_load)
  print(f"[evaluate] {'restore':<20s} ok ({time.time() - t:.1f} s): "
        f"{type(model).__name__} on {splits.spec.name}, {info['checkpoint']}", flush=True)
  cfg = suite.SuiteConfig(
      stages=tuple(FLAGS.stages or suite.STAGES), seed=FLAGS.seed,
      max_examples=FLAGS.max_examples, num_samples=FLAGS.num_samples,
      classifier_path=FLAGS.classifier, classifier_epochs=FLAGS.classifier_epochs,
      inception_weights=FLAGS.inception_weights, jacobian_samples=FLAGS.jacobian_samples,
      jacobian_max_dims=FLAGS.jacobian_max_dims,
      nearest_k=FLAGS.nearest_k,
      critic=dataclasses.replace(independent_critic.CriticSettings(), loss=FLAGS.critic_loss,
                                 steps=FLAGS.critic_steps, seed=FLAGS.seed),
      critic_fake_pool=FLAGS.critic_fake_pool)
  result = suite.run_suite(model, splits, out_dir, cfg, info,
                           log=lambda s: print(s, flush=True))
  total = time.time() - t
  print(f"[evaluate] done in {total:.1f} s (stages {result['seconds']['total']:.1f} s): "
        f"{os.path.join(out_dir, 'eval.json')}, figures in {os.path.join(out_dir, 'eval')}")
  print("[evaluate] summary:", {k: v for k, v in result["summary"].items() if v is not None})
  if result["errors"]:
    sys.exit(f"stages failed: {', '.join(result['errors'])}")


if __name__ == "__main__":
  app.run(main)
