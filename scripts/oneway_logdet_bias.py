"""Bias of a one-way generator's Jv log-det estimates against exact log-dets
(Ben-Dov et al. eq. 8-10), in nats, at M generator inputs: one row per fresh
build (--seeds, at initialization) and one for a trained model (--workdir,
or --checkpoint with --config).

  python scripts/oneway_logdet_bias.py --config configs/oneway_digits.gin
  python scripts/oneway_logdet_bias.py --config configs/oneway_digits.gin \
      --gin_bindings "train.dataset = 'mnist5k'"
  python scripts/oneway_logdet_bias.py --workdir runs/oneway_digits [--seeds=]
  python scripts/oneway_logdet_bias.py --config configs/X.gin --checkpoint DIR/checkpoints/ckpt-20

Columns: exact log|det J| (mean, std over inputs); per K, bias = estimate -
exact (mean +- std over inputs; K = 1 is n log||Jv||); exact log-det time per
input (batch_jacobian + slogdet, after tracing).
"""

import os
import sys

from absl import app, flags, logging

from tfflowgan import cli

flags.DEFINE_multi_string("config", None, "gin config file(s).")
flags.DEFINE_multi_string("gin_bindings", [], "extra gin bindings.")
flags.DEFINE_string("workdir", None, "training workdir: adds a row for its latest checkpoint.")
flags.DEFINE_string("checkpoint", None, "checkpoint prefix (with --config): adds a row.")
flags.DEFINE_list("seeds", ["0", "1", "2"], "seeds of the fresh builds (empty: none).")
flags.DEFINE_integer("num_inputs", 64, "generator inputs u per row (M).")
flags.DEFINE_list("directions", ["1", "8"], "numbers K of directions of the Jv estimates.")
FLAGS = flags.FLAGS


def _generator(model):
  from tfflowgan.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from tfflowgan.generators.oneway import OneWayFlow  # pylint: disable=g-import-not-at-top
  gen = getattr(model, "generator", None)
  if not isinstance(gen, OneWayFlow):
    raise ConfigError(f"{type(model).__name__} has no one-way flow generator")
  return gen


def _rows():
  """[(label, generator)] of the flags: fresh builds, then the trained model."""
  import keras  # pylint: disable=g-import-not-at-top
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  from tfflowgan.evaluation import restore  # pylint: disable=g-import-not-at-top
  configs = FLAGS.config or [os.path.join(FLAGS.workdir, "config.gin")]
  rows = []
  seeds = [int(s) for s in FLAGS.seeds]
  if seeds:
    keras.utils.set_random_seed(seeds[0])
    model, splits, train_bindings = restore.build_from_config(configs, FLAGS.gin_bindings)
    rows.append((f"init, seed {seeds[0]}", _generator(model)))
    for seed in seeds[1:]:
      keras.utils.set_random_seed(seed)
      model = training.build_model(train_bindings["model_builder"], splits.spec)
      rows.append((f"init, seed {seed}", _generator(model)))
  if FLAGS.workdir:
    model, _, info = restore.load_model_with_info(FLAGS.workdir, FLAGS.checkpoint,
                                                  FLAGS.gin_bindings)
  elif FLAGS.checkpoint:
    model, _, info = restore.load_model(configs, FLAGS.checkpoint, FLAGS.gin_bindings)
  if FLAGS.workdir or FLAGS.checkpoint:
    rows.append((f"trained, epoch {info['epoch']}", _generator(model)))
  return rows


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.get_logger().setLevel("ERROR")  # one traced log-det per row: retracing notes
  if not (FLAGS.config or FLAGS.workdir):
    sys.exit("give --config (and optionally --checkpoint) or --workdir")
  from tfflowgan.evaluation import logdet_bias  # pylint: disable=g-import-not-at-top
  ks = [int(k) for k in FLAGS.directions]
  print("| model | n | M | exact log|det J| | "
        + " | ".join(f"bias K = {k}" for k in ks) + " | exact s / input |")
  print("|---" * (5 + len(ks)) + "|")
  for label, gen in cli.run(_rows):
    r = logdet_bias.logdet_bias(gen, FLAGS.num_inputs, ks, seed=0)
    e, b = r["exact_log_abs_det"], r["bias"]
    print(f"| {label} | {r['num_dims']} | {r['num_inputs']} | {e['mean']:.1f} ({e['std']:.1f}) | "
          + " | ".join(f"{b[str(k)]['mean']:+.2f} +- {b[str(k)]['std']:.2f}" for k in ks)
          + f" | {r['exact_seconds_per_input']:.3f} |", flush=True)


if __name__ == "__main__":
  app.run(main)
