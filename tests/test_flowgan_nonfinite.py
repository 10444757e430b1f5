"""A non-finite loss stops FlowGAN training through the runner with a message
naming the metric and the step, and the last good checkpoint is kept."""

import glob
import os

import pytest
import tensorflow as tf

from tfflowgan import critics, training
from tfflowgan.callbacks import NonFiniteLossError
from tfflowgan.generators import realnvp
from tfflowgan.objectives.flowgan import FlowGAN

NAN_AT = 7  # the 7th critic update (global step 7 = epoch 2, batch 3) injects NaN


class NaNAfter(FlowGAN):

  def critic_update(self, critic, optimizer, x_real, x_fake, x_e=None):
    # From critic update NAN_AT on, the critic loss (and so its weights) are NaN.
    bad = self.d_optimizer.iterations >= NAN_AT - 1
    x_real = x_real * tf.where(bad, float("nan"), 1.0)
    return super().critic_update(critic, optimizer, x_real, x_fake, x_e)


def _builder(spec):
  model = NaNAfter(realnvp(spec, num_scales=1, final_couplings=1, num_blocks=1, hidden=8),
                   critics.mlp_critic(spec.shape, hidden=(16,)), spec, nll_weight=1.0,
                   n_critic=1)
  model.compile()
  return model


def test_nan_stops_with_step_and_keeps_checkpoint(tmp_path):
  with pytest.raises(NonFiniteLossError) as info:
    training.train(str(tmp_path), dataset="digits", model_builder=_builder, batch_size=16,
                   epochs=3, steps_per_epoch=4, eval_batch_size=200, num_samples=4,
                   verbose=0)
  message = str(info.value)
  assert "Non-finite" in message and f"global step {NAN_AT}" in message, message
  ckpt = os.path.join(str(tmp_path), "checkpoints", "ckpt-1")
  assert f"Last good checkpoint: {ckpt}" in message, message
  assert glob.glob(ckpt + ".index")
  assert tf.train.latest_checkpoint(os.path.join(str(tmp_path), "checkpoints")) == ckpt
