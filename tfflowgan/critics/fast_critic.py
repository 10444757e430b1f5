"""Fast-learning critic f(x, x_e) (Danihelka et al. 2017, sec. 4, Fig. 11, Alg. 1).

The critic is conditioned on an embedding of the current generator
distribution, computed from a batch of extra generator samples x_e:

  e = mean_j g(x_e[j])                     (features averaged over the batch)
  f(x, x_e) = head(trunk_2(lrelu(conv(x)) + e))

g: strided conv -> leaky ReLU -> gated residual layers (Oord et al. 2016,
Fig. 10) -> 1x1 conv, at the resolution of the trunk's first feature map. The
trunk is a DCGAN critic (4x4 stride-2 convolutions, leaky ReLU 0.2, optional
normalization): with e = 0 it is the plain WGAN critic. Only the trunk is
clipped (`clippable_variables`); the embedding weights are not (sec. 4.1).
The same e scores real and generated x (Algorithm 1). The caller stops the
generator gradient through x_e (`FlowGAN` wraps x_e in `tf.stop_gradient`).
"""

from typing import Optional, Sequence

import gin
import keras
from keras import layers, ops

from tfflowgan.precision import float32


def _norm(kind):
  if kind is None:
    return None
  if kind == "batch":
    return layers.BatchNormalization()
  if kind == "layer":
    return layers.LayerNormalization(axis=[-3, -2, -1])
  raise ValueError(f"norm must be 'batch', 'layer' or None, got {kind!r}")


class GatedResidual(layers.Layer):
  """h + conv1x1(tanh(a) * sigmoid(b)), [a, b] = channel split of conv3x3(h)."""

  def __init__(self, channels: int, **kwargs):
    super().__init__(**kwargs)
    self.conv = layers.Conv2D(2 * channels, 3, padding="same")
    self.proj = layers.Conv2D(channels, 1)
    self.channels = channels

  def call(self, h):
    a = self.conv(h)
    gated = ops.tanh(a[..., :self.channels]) * ops.sigmoid(a[..., self.channels:])
    return h + self.proj(gated)


class FastLearningCritic(keras.Model):
  """f(x, x_e): inputs (x [B, H, W, C], x_e [N, H, W, C]) -> scores [B, 1]."""

  conditional = True

  def __init__(self, input_shape: Sequence[int], base_filters: int = 64,
               max_filters: int = 512, embed_blocks: int = 2,
               norm: Optional[str] = None, **kwargs):
    super().__init__(**kwargs)
    self.data_shape = tuple(int(s) for s in input_shape)
    conv = lambda f: layers.Conv2D(f, 4, strides=2, padding="same")
    # Trunk: a DCGAN critic (clipped).
    self.first = conv(base_filters)
    self.trunk = []
    size, filters = (self.data_shape[0] + 1) // 2, base_filters
    while size > 4:
      filters = min(2 * filters, max_filters)
      self.trunk.append((conv(filters), _norm(norm)))
      size = (size + 1) // 2
    self.head = layers.Dense(1)
    # Distribution embedding (not clipped).
    self.embed_in = conv(base_filters)
    self.embed_blocks = [GatedResidual(base_filters) for _ in range(embed_blocks)]
    self.embed_out = layers.Conv2D(base_filters, 1)

  def build(self, input_shape=None):
    dummy = ops.zeros((1,) + self.data_shape)
    self.call((dummy, dummy))
    self.built = True

  def embed(self, x_e):
    """Distribution embedding [1, H/2, W/2, F]: features averaged over x_e."""
    h = ops.leaky_relu(self.embed_in(x_e), 0.2)
    for block in self.embed_blocks:
      h = block(h)
    return ops.mean(self.embed_out(h), axis=0, keepdims=True)

  def score(self, x, embedding, training=None):
    """f(x, x_e) given e = embed(x_e), shape [B, 1]."""
    h = ops.leaky_relu(self.first(x), 0.2) + embedding
    for conv, norm in self.trunk:
      h = conv(h)
      if norm is not None:
        h = norm(h, training=training)
      h = ops.leaky_relu(h, 0.2)
    return float32(self.head(ops.reshape(h, (ops.shape(h)[0], -1))))

  def call(self, inputs, training=None):
    x, x_e = inputs
    return self.score(x, self.embed(x_e), training=training)

  @property
  def embedding_variables(self):
    parts = [self.embed_in, self.embed_out] + self.embed_blocks
    return [v for p in parts for v in p.trainable_variables]

  @property
  def clippable_variables(self):
    """Trunk weights (WGAN clipping); the embedding weights stay unclipped."""
    skip = {id(v) for v in self.embedding_variables}
    return [v for v in self.trainable_variables if id(v) not in skip]


@gin.configurable
def fast_critic(input_shape: Sequence[int], base_filters: int = 64,
                max_filters: int = 512, embed_blocks: int = 2,
                norm: Optional[str] = None):
  """gin builder: a built `FastLearningCritic` (norm None, 'batch' or 'layer')."""
  critic = FastLearningCritic(input_shape, base_filters, max_filters, embed_blocks,
                              norm, name="fast_critic")
  critic.build()
  return critic
