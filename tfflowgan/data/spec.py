"""What a data set is: its name, the shape of one example and its number of levels."""

import dataclasses
import math
from typing import Optional, Tuple


@dataclasses.dataclass(frozen=True)
class DataSpec:
  """Shape and quantization of one example.

  Attributes:
    name: data set name.
    shape: shape of one example, e.g. (28, 28, 1) or (2,).
    levels: number of integer intensity levels (256 for 8-bit images, 17 for
      scikit-learn digits), or None for continuous data (the 2D mixtures).
  """
  name: str
  shape: Tuple[int, ...]
  levels: Optional[int] = None

  @property
  def num_dims(self) -> int:
    return int(math.prod(self.shape))

  @property
  def is_image(self) -> bool:
    return len(self.shape) == 3

  @property
  def is_discrete(self) -> bool:
    return self.levels is not None
