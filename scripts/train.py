"""Train a model from a gin config; a rerun with the same --workdir resumes.

  python scripts/train.py --config configs/realnvp_digits_mle.gin \
      [--gin_bindings "train.epochs = 2"] [--workdir runs/realnvp_digits_mle]

Multi-worker: set TF_CONFIG on every worker and bind
`train.strategy = 'multi_worker'` (docs/serving.md).

A user error (config, data, workdir, checkpoints) ends with one line on stderr,
e.g. "Data error: TFDS dataset 'mnist' is not prepared in ...", and exit
status 1; --debug (or TFFLOWGAN_DEBUG=1) shows the traceback.
"""

import os

from absl import app, flags, logging

from tfflowgan import cli
from tfflowgan import config as config_lib

flags.DEFINE_multi_string("config", None, "gin config file(s).", required=True)
flags.DEFINE_multi_string("gin_bindings", [], "extra gin bindings, e.g. 'train.epochs = 2'.")
flags.DEFINE_string("workdir", None, "output folder (default runs/<config name>).")
FLAGS = flags.FLAGS


def _train(workdir):
  config_lib.parse(FLAGS.config, FLAGS.gin_bindings)
  from tfflowgan import training  # pylint: disable=g-import-not-at-top
  config_lib.save_operative(workdir, lambda: training.train(workdir))


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # keep the progress display readable
  workdir = FLAGS.workdir or os.path.join(
      "runs", os.path.splitext(os.path.basename(FLAGS.config[-1]))[0])
  cli.run(_train, workdir)


if __name__ == "__main__":
  app.run(main)
