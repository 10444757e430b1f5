"""Binary masks of RealNVP's affine couplings (Dinh et al. 2017, sec. 3.4)."""

import numpy as np


def checkerboard_mask(shape, parity: int = 0) -> np.ndarray:
  """Float mask over [H, W, C]: 1 where (h + w) % 2 == parity, for all channels."""
  h, w, c = shape
  grid = (np.arange(h)[:, None] + np.arange(w)[None, :]) % 2 == parity
  return np.repeat(grid[:, :, None], c, axis=2).astype(np.float32)


def channel_mask(shape, parity: int = 0) -> np.ndarray:
  """Float mask over [H, W, C]: 1 on the first half of the channels (parity 0)
  or on the second half (parity 1)."""
  h, w, c = shape
  if c < 2:
    raise ValueError(f"a channel mask needs at least 2 channels, got shape {shape}")
  first = np.arange(c) < c // 2
  keep = first if parity == 0 else ~first
  return np.broadcast_to(keep, (h, w, c)).astype(np.float32).copy()
