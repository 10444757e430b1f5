"""TFDS image sets: `mnist`, `cifar10`, `celeb_a` (256 levels).

Splits: mnist train[:50000] / train[50000:] / test (Flow-GAN, Danihelka);
cifar10 train[:45000] / train[45000:] / test (Flow-GAN); celeb_a its own
train / validation / test, centre-cropped to 148x148 and resized to 32x32,
with the training set optionally doubled by horizontal flips (Danihelka 2.3).

TFDS cannot download without a network and then retries for minutes; so the
loaders check that the data is prepared first and fail at once with
instructions (`DataNotFoundError`) unless `download=True`.
"""

import os

import tensorflow as tf

from tfflowgan.data.registry import Splits, register_dataset
from tfflowgan.data.spec import DataSpec
from tfflowgan.errors import DataNotFoundError

OFFLINE = "'mnist5k' (5000 MNIST digits, 28x28), 'digits' (8x8), 'lfw' (25x25 faces)"


def _tfds_mocked(tfds) -> bool:
  """True inside `tfds.testing.mock_data`, which fakes prepared data."""
  fn = tfds.core.DatasetBuilder.download_and_prepare
  return getattr(fn, "__module__", "").startswith("tensorflow_datasets.testing")


def not_prepared_message(name: str, data_dir=None) -> str:
  """What to do when TFDS set `name` is not in `data_dir`: prepare it, point
  `data_dir` at it, or use an offline data set."""
  where = data_dir or os.environ.get("TFDS_DATA_DIR") or "~/tensorflow_datasets"
  manual = (" (celeb_a may need a manual download into <data_dir>/downloads/manual, "
            "see the TFDS celeb_a page)" if name == "celeb_a" else "")
  return (f"TFDS dataset {name!r} is not prepared in {where}. Prepare it on a machine "
          f"with internet (python -c \"import tensorflow_datasets as tfds; "
          f"tfds.builder('{name}').download_and_prepare()\"){manual} and copy its "
          f"'{name}' folder there, or bind train.dataset_kwargs = {{'data_dir': '/path'}} "
          f"to where it lives ({{'download': True}} downloads it, with internet); offline "
          f"data sets that need none of this: {OFFLINE}.")


def tfds_builder(name: str, data_dir=None, download: bool = False):
  """A prepared TFDS builder, or a fast `DataNotFoundError` with instructions."""
  try:
    import tensorflow_datasets as tfds
  except ImportError as e:
    raise DataNotFoundError(f"TFDS dataset {name!r} needs tensorflow_datasets "
                            f"(pip install tensorflow-datasets); offline data sets: "
                            f"{OFFLINE}.") from e
  builder = tfds.builder(name, data_dir=data_dir)
  if builder.is_prepared() or _tfds_mocked(tfds):
    return builder
  if download:
    builder.download_and_prepare()
    return builder
  raise DataNotFoundError(not_prepared_message(name, data_dir))


def _images(builder, split: str, transform=None) -> tf.data.Dataset:
  ds = builder.as_dataset(split=split, shuffle_files=False)
  fn = transform or (lambda im: im)
  return ds.map(lambda ex: tf.cast(fn(ex["image"]), tf.int32),
                num_parallel_calls=tf.data.AUTOTUNE)


@register_dataset("mnist")
def load_mnist(seed: int = 0, data_dir=None, download: bool = False):
  del seed
  b = tfds_builder("mnist", data_dir, download)
  return Splits(_images(b, "train[:50000]"), _images(b, "train[50000:]"),
                _images(b, "test"), DataSpec("mnist", (28, 28, 1), 256))


@register_dataset("cifar10")
def load_cifar10(seed: int = 0, data_dir=None, download: bool = False):
  del seed
  b = tfds_builder("cifar10", data_dir, download)
  return Splits(_images(b, "train[:45000]"), _images(b, "train[45000:]"),
                _images(b, "test"), DataSpec("cifar10", (32, 32, 3), 256))


def celeba_crop_resize(image, crop: int = 148, size: int = 32):
  """Centre crop to `crop` x `crop`, area-resize to `size`, round to uint8 levels."""
  h, w = tf.shape(image)[0], tf.shape(image)[1]
  top, left = (h - crop) // 2, (w - crop) // 2
  image = tf.image.crop_to_bounding_box(image, top, left, crop, crop)
  image = tf.image.resize(tf.cast(image, tf.float32), [size, size], method="area")
  return tf.clip_by_value(tf.round(image), 0.0, 255.0)


@register_dataset("celeb_a")
def load_celeb_a(seed: int = 0, data_dir=None, download: bool = False,
                 size: int = 32, crop: int = 148, flip: bool = True):
  del seed
  b = tfds_builder("celeb_a", data_dir, download)
  fn = lambda im: celeba_crop_resize(im, crop, size)
  train = _images(b, "train", fn)
  if flip:
    train = train.concatenate(train.map(tf.image.flip_left_right))
  return Splits(train, _images(b, "validation", fn), _images(b, "test", fn),
                DataSpec("celeb_a", (size, size, 3), 256))
