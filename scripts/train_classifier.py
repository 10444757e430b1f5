"""Trains the library's classifier feature net (for MODE/Inception-style scores) and saves it.

  python scripts/train_classifier.py --dataset digits --out /tmp/digits_classifier.keras

digits: sklearn `load_digits`, images / 16, deterministic 1500/297 split
(`feature_nets.load_digits_split(seed)`). mnist5k: its 4000 training / 500 test
images, levels / 255 (`feature_nets.load_mnist5k_split(seed)`, the split of
`load_splits('mnist5k', split_seed=seed)`). mnist: tensorflow-datasets, which must
already be prepared under --data_dir (no downloads here). Prints test accuracy.
The evaluation suite trains digits and mnist5k the same way (seed 0) on first use
and caches them at runs/_classifier/{digits,mnist5k}.keras.
"""

from absl import app
from absl import flags

from tfflowgan.evaluation import feature_nets

FLAGS = flags.FLAGS
flags.DEFINE_enum("dataset", "digits", ["digits", "mnist5k", "mnist"], "Labelled data set.")
flags.DEFINE_string("out", None, "Output path: .keras, or .weights.h5 for weights only.")
flags.DEFINE_integer("epochs", 20, "Training epochs.")
flags.DEFINE_integer("seed", 0, "Split and initialization seed.")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data dir (mnist).")


def _mnist(data_dir):
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  builder = tfds.builder("mnist", data_dir=data_dir)
  if not builder.is_prepared():
    raise FileNotFoundError(
        f"MNIST is not prepared under {builder.data_dir}; prepare it on a machine with "
        "internet (tfds.builder('mnist').download_and_prepare()) and copy it here.")
  def get(split):
    x, y = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    return (x / 255.0).astype(np.float32), y.astype(np.int32)
  return get("train") + get("test")


def train_and_save(dataset: str, out: str, epochs: int = 20, seed: int = 0,
                   data_dir=None) -> float:
  """Trains, saves to `out` and returns the test accuracy."""
  if dataset in feature_nets.LABELLED_SPLITS:
    xtr, ytr, xte, yte = feature_nets.LABELLED_SPLITS[dataset](seed)
  else:
    xtr, ytr, xte, yte = _mnist(data_dir)
  net = feature_nets.train_classifier(xtr, ytr, epochs=epochs,
                                      batch_size=128 if dataset == "mnist" else 32,
                                      seed=seed)
  net.save(out)
  return net.accuracy(xte, yte)


def main(argv):
  del argv
  acc = train_and_save(FLAGS.dataset, FLAGS.out, FLAGS.epochs, FLAGS.seed, FLAGS.data_dir)
  print(f"test accuracy ({FLAGS.dataset}): {acc:.4f}; saved to {FLAGS.out}")


if __name__ == "__main__":
  flags.mark_flag_as_required("out")
  app.run(main)
