"""FlowGAN: WGAN clipping, MLE equivalence, the critic schedule and its
checkpointing, and the after-training metrics."""

import numpy as np
import pytest
import tensorflow as tf

from tfflowgan import critics
from tfflowgan.data import DataSpec
from tfflowgan.evaluation import final
from tfflowgan.generators import realnvp
from tfflowgan.objectives import adam, flow_mle
from tfflowgan.objectives.flowgan import FlowGAN, flowgan

SPEC = DataSpec("t", (8, 8, 1), 17)


def _gen(spec=SPEC):
  return realnvp(spec, num_scales=1, final_couplings=1, num_blocks=1, hidden=8)


def _data(n=16, batch=8, seed=0):
  x = np.random.default_rng(seed).uniform(0.02, 0.98, (n, 8, 8, 1)).astype(np.float32)
  return tf.data.Dataset.from_tensor_slices(x).batch(batch).repeat()


@pytest.mark.parametrize("critic", ["dcgan", "fast"])
def test_wgan_clipping_keeps_clipped_weights_in_box(critic):
  c = (critics.dcgan_critic(SPEC.shape, base_filters=8) if critic == "dcgan"
       else critics.fast_critic(SPEC.shape, base_filters=8, embed_blocks=1))
  model = FlowGAN(_gen(), c, SPEC, loss="wgan", n_critic=2, num_extra_samples=4,
                  d_optimizer=adam(0.05), g_optimizer=adam(1e-3))
  model.compile(run_eagerly=True)  # faster than tracing for a few steps
  model.fit(_data(), epochs=1, steps_per_epoch=4, verbose=0)
  assert int(model.generator_steps.numpy()) == 2
  for v in model._clippable(model.critic):
    assert np.abs(v.numpy()).max() <= 0.01 + 1e-7, v.path
  if critic == "fast":  # the embedding is not clipped (a large learning rate moved it)
    assert max(np.abs(v.numpy()).max() for v in model.critic.embedding_variables) > 0.01


def test_mle_config_equals_flow_mle_update():
  x = tf.constant(np.random.default_rng(1).uniform(0.02, 0.98, (8, 8, 8, 1)), tf.float32)
  mle = flow_mle(SPEC, generator=_gen, optimizer=lambda: adam(1e-2))
  # nll_weight = D: L_G is -mean log p per image, FlowMLE's loss.
  fg = flowgan(SPEC, generator=_gen, critic=critics.mlp_critic, adversarial_weight=0.0,
               nll_weight=SPEC.num_dims, n_critic=1, g_optimizer=lambda: adam(1e-2))
  for a, b in zip(fg.generator.weights, mle.generator.weights):
    a.assign(b)
  init = [v.numpy() for v in mle.generator.weights]
  mle.train_step(x)
  fg.train_step(x)
  moved = max(np.abs(v.numpy() - w).max() for v, w in zip(mle.generator.weights, init))
  assert moved > 1e-3
  for a, b in zip(fg.generator.weights, mle.generator.weights):
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def _schedule(total, n_critic, heavy, warmup, every):
  """Generator steps after `total` batches under the WGAN code's schedule."""
  g = in_round = 0
  for _ in range(total):
    in_round += 1
    need = heavy if (g < warmup or g % every == 0) else n_critic
    if in_round >= need:
      g, in_round = g + 1, 0
  return g, in_round


def test_critic_schedule_and_resume(tmp_path):
  kw = dict(loss="wgan_gp", n_critic=1, critic_schedule=True, heavy_critic_steps=3,
            warmup_steps=2, heavy_every=4)
  model = FlowGAN(_gen(), critics.mlp_critic(SPEC.shape, hidden=(16,)), SPEC, **kw)
  model.compile(run_eagerly=True)  # faster than tracing for a few steps
  model.fit(_data(), epochs=1, steps_per_epoch=11, verbose=0)
  want = _schedule(11, 1, 3, 2, 4)  # 3 + 3 + 1 + 1 + 3 = 11 batches: 5 steps
  got = (int(model.generator_steps.numpy()), int(model.round_critic_steps.numpy()))
  assert got == want == (5, 0)
  model.fit(_data(), epochs=1, steps_per_epoch=4, verbose=0)  # 15 batches: mid-round
  path = tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
  # A fresh model restored from the checkpoint continues the round.
  fresh = FlowGAN(_gen(), critics.mlp_critic(SPEC.shape, hidden=(16,)), SPEC, **kw)
  fresh.compile(run_eagerly=True)
  tf.train.Checkpoint(model=fresh).restore(path).assert_existing_objects_matched()
  restored = (int(fresh.generator_steps.numpy()), int(fresh.round_critic_steps.numpy()))
  assert restored == _schedule(15, 1, 3, 2, 4) == (8, 1)
  fresh.fit(_data(), epochs=1, steps_per_epoch=3, verbose=0)
  assert (int(fresh.generator_steps.numpy()),
          int(fresh.round_critic_steps.numpy())) == _schedule(18, 1, 3, 2, 4) == (10, 0)


def test_device_schedule_with_several_steps_per_call():
  """The schedule runs inside the compiled call: 4 scheduled batches per call
  keep the counters of one batch per call, also when the data set ends
  mid-call (11 batches: calls of 4, 4 and 3)."""
  kw = dict(loss="wgan_gp", n_critic=1, critic_schedule=True, heavy_critic_steps=3,
            warmup_steps=2, heavy_every=4)
  model = FlowGAN(_gen(), critics.mlp_critic(SPEC.shape, hidden=(16,)), SPEC, **kw)
  model.compile(steps_per_execution=4)
  model.fit(_data(n=88).take(11), epochs=1, verbose=0)
  got = (int(model.generator_steps.numpy()), int(model.round_critic_steps.numpy()))
  assert got == _schedule(11, 1, 3, 2, 4) == (5, 0)
  assert int(model.d_optimizer.iterations.numpy()) == 11
  assert int(model.g_optimizer.iterations.numpy()) == 5


def test_fit_logs_and_final_metrics(monkeypatch):
  model = flowgan(SPEC, generator=_gen, critic=lambda s: critics.mlp_critic(s, hidden=(16,)),
                  nll_weight=1.0, adversarial_weight=1.0, n_critic=2, independent_critic=True,
                  heldout_critic_steps=3)
  hist = model.fit(_data(), epochs=1, steps_per_epoch=3, validation_data=_data().take(1),
                   verbose=0).history
  for key in ("critic_loss", "wasserstein", "gradient_penalty", "independent_wasserstein",
              "generator_loss", "nll", "bits_per_dim", "val_nll", "val_bits_per_dim",
              "val_wasserstein", "val_independent_wasserstein"):
    assert np.isfinite(hist[key][-1]), key
  assert hist["generator_steps"][-1] == 1.0
  out = final.critic_metrics(model, _data(n=20, batch=10).take(2), min_samples=30, chunk=16)
  assert set(out) == {"test_wasserstein", "test_independent_wasserstein",
                      "sample_bits_per_dim_median", "test_heldout_wasserstein"}
  assert all(np.isfinite(v) for v in out.values())
  images = model.sample(5, seed=tf.constant([1, 2]))
  assert images.shape == (5, 8, 8, 1) and 0 <= images.numpy().min() <= images.numpy().max() <= 1
  assert model.log_prob(images).shape == (5,)
  # The runner's final_metrics holds the critic metrics of a Flow-GAN (only).
  monkeypatch.setattr(final, "critic_metrics", lambda m, batches: {"test_wasserstein": 1.0})
  assert final.final_metrics(model, _data().take(1)) == {"test_wasserstein": 1.0}


def test_needs_a_positive_weight():
  with pytest.raises(ValueError, match="positive"):
    FlowGAN(_gen(), critics.mlp_critic(SPEC.shape), SPEC, nll_weight=0.0, adversarial_weight=0.0)
