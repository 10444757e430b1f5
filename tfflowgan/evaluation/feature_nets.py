"""Feature networks for sample-quality metrics: images in [0,1] -> (activations, logits).

- `InceptionFeatureNet`: Keras InceptionV3 (2048-d `avg_pool` activations for
  FID/KID, 1000 ImageNet logits for the Inception score). Weights are read from
  a local file or the Keras cache and never downloaded (no internet here).
- `ClassifierFeatureNet`: a small CNN the library trains on labelled data
  (sklearn digits, mnist5k, MNIST); Flow-GAN's MODE score needs such a classifier
  and the official code shipped none for MNIST (see shared/REFERENCE_SETTINGS.md).
  `LABELLED_SPLITS` gives the labelled (train, test) arrays of the offline sets.
Both are callables `net(images[N, H, W, C]) -> (activations, logits)` as numpy.
"""

import os
from typing import Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                         "inception_v3/" + INCEPTION_WEIGHTS_FILE)


def _batched(fn, images, batch_size):
  acts, logits = [], []
  for i in range(0, len(images), batch_size):
    a, l = fn(tf.convert_to_tensor(images[i:i + batch_size], tf.float32))
    acts.append(a.numpy())
    logits.append(l.numpy())
  return np.concatenate(acts), np.concatenate(logits)


def inception_weights_path(weights_path: Optional[str] = None) -> str:
  """Resolves the InceptionV3 (with top) weights file; raises FileNotFoundError if absent.

  Looks at weights_path if given, else `$KERAS_HOME/models/` when KERAS_HOME is
  set, else Keras's home and `~/.keras/models/`.
  """
  if weights_path is not None:
    candidates = [weights_path]
  elif os.environ.get("KERAS_HOME"):
    candidates = [os.path.join(os.environ["KERAS_HOME"], "models", INCEPTION_WEIGHTS_FILE)]
  else:
    homes = [keras.config.keras_home() if hasattr(keras.config, "keras_home") else None,
             os.path.join(os.path.expanduser("~"), ".keras")]
    candidates = list(dict.fromkeys(
        os.path.join(h, "models", INCEPTION_WEIGHTS_FILE) for h in homes if h))
  for c in candidates:
    if os.path.isfile(c):
      return c
  raise FileNotFoundError(
      "InceptionV3 weights not found (they are never downloaded here). Looked at: "
      + ", ".join(candidates) + f". Download {INCEPTION_WEIGHTS_URL} on a machine with "
      f"internet and put it at {candidates[0]} (or pass weights_path=...).")


def to_inception_input(images, size: int = 299) -> tf.Tensor:
  """[N, H, W, C] in [0,1] -> [N, size, size, 3] in [-1, 1] (bilinear resize, gray -> RGB)."""
  x = tf.convert_to_tensor(images, tf.float32)
  if x.shape[-1] == 1:
    x = tf.tile(x, [1, 1, 1, 3])
  x = tf.image.resize(x, [size, size], method="bilinear")
  return tf.clip_by_value(x, 0.0, 1.0) * 2.0 - 1.0


class InceptionFeatureNet:
  """InceptionV3 pool activations [N, 2048] and ImageNet logits [N, 1000]."""

  def __init__(self, weights_path: Optional[str] = None):
    path = inception_weights_path(weights_path)
    base = keras.applications.InceptionV3(include_top=True, weights=path,
                                          classifier_activation=None)
    self.model = keras.Model(base.input, [base.get_layer("avg_pool").output, base.output])
    self._fn = tf.function(lambda x: self.model(to_inception_input(x), training=False))

  def __call__(self, images, batch_size: int = 50) -> Tuple[np.ndarray, np.ndarray]:
    return _batched(self._fn, images, batch_size)


def build_classifier(input_shape: Sequence[int], num_classes: int = 10,
                     width: int = 32) -> keras.Model:
  """Small CNN -> logits; the 128-unit layer named 'penultimate' gives activations.

  Stride-2 convolutions halve the image until it is at most 8 pixels high.
  """
  inp = keras.Input(tuple(input_shape))
  x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(inp)
  h = input_shape[0]
  while True:
    x = keras.layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(x)
    h = (h + 1) // 2
    if h <= 8:
      break
  x = keras.layers.Flatten()(x)
  x = keras.layers.Dense(128, activation="relu", name="penultimate")(x)
  out = keras.layers.Dense(num_classes, name="logits")(x)
  return keras.Model(inp, out, name="classifier")


class ClassifierFeatureNet:
  """Wraps a `build_classifier` model: (penultimate activations, logits)."""

  def __init__(self, model: keras.Model):
    self.model = model
    self.features = keras.Model(model.input,
                                [model.get_layer("penultimate").output, model.output])
    self._fn = tf.function(lambda x: self.features(x, training=False))

  def __call__(self, images, batch_size: int = 500) -> Tuple[np.ndarray, np.ndarray]:
    return _batched(self._fn, images, batch_size)

  def accuracy(self, images, labels) -> float:
    return float(np.mean(np.argmax(self(images)[1], -1) == np.asarray(labels)))

  def save(self, path: str) -> str:
    """`.keras` (whole model) or `.weights.h5` (weights only); makes the folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if path.endswith(".weights.h5"):
      self.model.save_weights(path)
    else:
      self.model.save(path)
    return path

  @classmethod
  def load(cls, path: str, input_shape: Optional[Sequence[int]] = None,
           num_classes: int = 10) -> "ClassifierFeatureNet":
    """Loads a `.keras` file, or `.weights.h5` into `build_classifier(input_shape, ...)`."""
    if path.endswith(".weights.h5"):
      if input_shape is None:
        raise ValueError("Loading a weights file needs input_shape.")
      model = build_classifier(input_shape, num_classes)
      model.load_weights(path)
    else:
      model = keras.models.load_model(path)
    return cls(model)


def train_classifier(x_train, y_train, num_classes: int = 10, epochs: int = 20,
                     batch_size: int = 32, learning_rate: float = 1e-3,
                     seed: int = 0, verbose: int = 0) -> ClassifierFeatureNet:
  """Trains `build_classifier` with Adam on cross-entropy; x in [0,1], [N, H, W, C]."""
  keras.utils.set_random_seed(seed)
  x = np.asarray(x_train, np.float32)
  model = build_classifier(x.shape[1:], num_classes)
  model.compile(keras.optimizers.Adam(learning_rate),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  model.fit(x, np.asarray(y_train), epochs=epochs, batch_size=batch_size,
            shuffle=True, verbose=verbose)
  return ClassifierFeatureNet(model)


def load_digits_split(seed: int = 0, num_train: int = 1500):
  """sklearn digits as [N, 8, 8, 1] in [0,1] (levels / 16); deterministic split.

  Returns (x_train, y_train, x_test, y_test); the permutation is
  `np.random.default_rng(seed).permutation(1797)`, first num_train for training.
  """
  from sklearn.datasets import load_digits  # pylint: disable=g-import-not-at-top
  d = load_digits()
  perm = np.random.default_rng(seed).permutation(len(d.target))
  x = (d.images[perm] / 16.0).astype(np.float32)[..., None]
  y = d.target[perm].astype(np.int32)
  return x[:num_train], y[:num_train], x[num_train:], y[num_train:]


def load_mnist5k_split(split_seed: int = 0):
  """mnist5k as [N, 28, 28, 1] in [0,1] (levels / 255), `load_mnist5k`'s split.

  Returns (x_train, y_train, x_test, y_test): its 4000 training and 500 test
  images (`offline.mnist5k_labelled_splits`); validation is left out.
  """
  from tfflowgan.data.offline import mnist5k_labelled_splits  # pylint: disable=g-import-not-at-top
  (x_tr, y_tr), _, (x_te, y_te) = mnist5k_labelled_splits(split_seed)
  scale = lambda x: (x / 255.0).astype(np.float32)
  return scale(x_tr), y_tr.astype(np.int32), scale(x_te), y_te.astype(np.int32)


# Data set name -> fn(seed) -> (x_train, y_train, x_test, y_test), images in [0,1].
LABELLED_SPLITS = {"digits": load_digits_split, "mnist5k": load_mnist5k_split}
