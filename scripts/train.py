"""Train a model from a gin config; a rerun with the same --workdir resumes.

  python scripts/train.py --config configs/realnvp_digits_mle.gin \
      [--gin_bindings "train.epochs = 2"] [--workdir runs/realnvp_digits_mle]

Multi-worker: set TF_CONFIG on every worker and bind
`train.strategy = 'multi_worker'` (docs/serving.md).
"""

import os
import sys

from absl import app, flags, logging

from tfflowgan import config as config_lib

flags.DEFINE_multi_string("config", None, "gin config file(s).", required=True)
flags.DEFINE_multi_string("gin_bindings", [], "extra gin bindings, e.g. 'train.epochs = 2'.")
flags.DEFINE_string("workdir", None, "output folder (default runs/<config name>).")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # keep the progress display readable
  workdir = FLAGS.workdir or os.path.join(
      "runs", os.path.splitext(os.path.basename(FLAGS.config[-1]))[0])
  try:
    config_lib.parse(FLAGS.config, FLAGS.gin_bindings)
    from tfflowgan import training
    config_lib.save_operative(workdir, lambda: training.train(workdir))
  except config_lib.ConfigError as e:
    sys.exit(f"Config error: {config_lib.error_message(e)}")


if __name__ == "__main__":
  app.run(main)
