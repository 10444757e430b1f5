"""Data: named splits (`load_splits`) and batched, dequantized pipelines."""

from tfflowgan.data import celeba_folder, offline, tfds_images, user_images  # registers loaders
from tfflowgan.data.pipeline import dequantize, make_batches, quantize
from tfflowgan.data.registry import Splits, available_datasets, load_splits, register_dataset
from tfflowgan.data.spec import DataSpec
from tfflowgan.data.units import bits_per_dim, discrete_nll
from tfflowgan.data import toy2d  # noqa: F401  (the 2D mixtures)
