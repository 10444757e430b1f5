"""Export a trained model as a SavedModel with serving signatures.

  python scripts/export.py --workdir runs/realnvp_digits_mle --out exported/digits
      [--checkpoint runs/.../checkpoints/ckpt-40]

Rebuilds the model from WORKDIR/config.gin, restores the latest checkpoint,
writes the SavedModel and prints its signatures (docs/serving.md). A user
error ends with one line on stderr (--debug: the traceback).
"""

from absl import app, flags, logging

from tfflowgan import cli

flags.DEFINE_string("workdir", None, "training workdir (config.gin + checkpoints/).",
                    required=True)
flags.DEFINE_string("out", None, "SavedModel folder to write.", required=True)
flags.DEFINE_string("checkpoint", None, "checkpoint prefix (default: the latest).")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  from tfflowgan import export  # pylint: disable=g-import-not-at-top
  info = cli.run(export.export_workdir, FLAGS.workdir, FLAGS.out, FLAGS.checkpoint)
  loaded = export.load(FLAGS.out)
  print(f"Exported {info['checkpoint']} (step {info['step']}) to {FLAGS.out}")
  for name, fn in sorted(loaded.signatures.items()):
    inputs = ", ".join(f"{k}: {v.dtype.name}{v.shape}"
                       for k, v in sorted(fn.structured_input_signature[1].items()))
    outputs = ", ".join(sorted(fn.structured_outputs))
    print(f"  {name}({inputs}) -> {outputs}")


if __name__ == "__main__":
  app.run(main)
