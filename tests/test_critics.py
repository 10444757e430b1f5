"""Critics: output shapes, and the fast-learning critic's conditioning (Danihelka 4)."""

import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import critics
from tfflowgan.data import DataSpec
from tfflowgan.generators import realnvp
from tfflowgan.objectives.flowgan import FlowGAN


@pytest.mark.parametrize("builder,shape", [
    (critics.dcgan_critic, (8, 8, 1)), (critics.mlp_critic, (8, 8, 1)),
    (critics.flowgan_mnist_critic, (28, 28, 1)), (critics.flowgan_cifar_critic, (32, 32, 3)),
    (critics.flowgan_cifar_critic, (8, 8, 1))])
def test_critic_scores_shape(builder, shape):
  critic = builder(shape)
  assert critic(tf.zeros((3,) + shape)).shape == (3, 1)


def _fast(shape=(8, 8, 1)):
  return critics.fast_critic(shape, base_filters=8, embed_blocks=1)


def test_fast_critic_depends_on_extra_samples_and_clips_only_trunk():
  critic = _fast((16, 16, 3))
  x = tf.random.uniform([4, 16, 16, 3], -1, 1, seed=1)
  a = critic((x, tf.random.uniform([6, 16, 16, 3], -1, 1, seed=2)))
  b = critic((x, tf.random.uniform([6, 16, 16, 3], -1, 1, seed=3)))
  assert a.shape == (4, 1) and np.abs(a.numpy() - b.numpy()).max() > 1e-6
  clip = {id(v) for v in critic.clippable_variables}
  emb = {id(v) for v in critic.embedding_variables}
  assert clip and emb and not clip & emb
  assert clip | emb == {id(v) for v in critic.trainable_variables}


def test_fast_critic_embedding_is_one_batch_average():
  critic = _fast()
  x_e = tf.random.uniform([5, 8, 8, 1], -1, 1, seed=4)
  e = critic.embed(x_e)
  assert e.shape == (1, 4, 4, 8)
  # Averaged over x_e: the order of the extra samples does not matter.
  np.testing.assert_allclose(e.numpy(), critic.embed(x_e[::-1]).numpy(), atol=1e-6)


def test_no_generator_gradient_through_extra_samples():
  spec = DataSpec("t", (8, 8, 1), 17)
  gen = realnvp(spec, num_scales=1, final_couplings=1, num_blocks=1, hidden=8)
  model = FlowGAN(gen, _fast(), spec, loss="wgan", adversarial_weight=1.0)
  x = tf.random.uniform([4, 8, 8, 1], -1, 1, seed=5)
  z = tf.random.normal([6, 64], seed=6)
  with tf.GradientTape(persistent=True) as tape:
    x_e = model.to_critic(gen.decode(z))  # differentiable in G's weights
    tape.watch(x_e)
    f = model.critic_fn(model.critic, x_e)
    loss = -tf.reduce_mean(f(x))
  assert tape.gradient(loss, x_e) is None
  assert all(g is None for g in tape.gradient(loss, gen.trainable_variables))
  # ... while the critic's embedding weights do get gradients from x_e.
  grads = tape.gradient(loss, model.critic.embedding_variables)
  assert all(g is not None for g in grads)
  # extra_samples() is cut from the generator too.
  with tf.GradientTape() as tape:
    s = tf.reduce_sum(model.extra_samples())
  assert all(g is None for g in tape.gradient(s, gen.trainable_variables))
