"""The independent critic of Danihelka et al. (2017, Sec. 3.5): an approximate
Wasserstein distance for comparing generators, whatever their training.

A fresh critic f, never seen by the generator, is trained to maximize
W_hat(x_valid, x_g) = mean f(x_valid) - mean f(x_g) (their eq. 6), under a
Lipschitz constraint (WGAN weight clipping as in the paper, or WGAN-GP). The
same architecture, constraint and number of steps must be used for every
generator so that the distances compare. The trained critic then scores
train, validation and test data against held-out generated samples (eq. 6-8):
W_hat(train) < W_hat(test) indicates overfitting to the training set.

The loss formulas come from `objectives.adversarial_losses` (not repeated
here); critics from `tfflowgan.critics`.
"""

import dataclasses
from typing import Callable, Dict, Optional, Sequence, Union

import keras
import numpy as np
import tensorflow as tf

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.critics.mlp import mlp_critic
from tfflowgan.objectives import adversarial_losses as al

ArrayOrSampler = Union[np.ndarray, Callable[[int], np.ndarray]]


@dataclasses.dataclass
class CriticSettings:
  """The fixed protocol: keep it identical across the runs being compared.

  loss: 'wgan_gp' (Adam 5e-4, betas 0.5/0.9, penalty `gp_weight`) or 'wgan'
  (RMSProp 5e-5, clipping to [-clip_value, clip_value], Arjovsky et al.).
  critic: 'auto' (DCGAN critic for images, MLP critic otherwise), 'dcgan', 'mlp'.
  """
  loss: str = "wgan_gp"
  steps: int = 1000
  batch_size: int = 64
  learning_rate: Optional[float] = None  # None: the loss's default
  gp_weight: float = 10.0
  clip_value: float = 0.01
  critic: str = "auto"
  hidden: Sequence[int] = (256, 256)     # MLP critic
  base_filters: int = 64                 # DCGAN critic
  seed: int = 0


def build_critic(input_shape, settings: CriticSettings) -> keras.Model:
  kind = settings.critic
  if kind == "auto":
    kind = "dcgan" if len(input_shape) == 3 else "mlp"
  if kind == "dcgan":
    return dcgan_critic(input_shape, base_filters=settings.base_filters,
                        name="independent_critic")
  if kind == "mlp":
    return mlp_critic(input_shape, hidden=tuple(settings.hidden), name="independent_critic")
  raise ValueError(f"critic must be 'auto', 'dcgan' or 'mlp', got {kind!r}")


def _optimizer(settings: CriticSettings):
  if settings.loss == "wgan_gp":
    return keras.optimizers.Adam(settings.learning_rate or 5e-4, beta_1=0.5, beta_2=0.9)
  return keras.optimizers.RMSprop(settings.learning_rate or 5e-5)


def _draw(source: ArrayOrSampler, n: int, rng: np.random.Generator) -> np.ndarray:
  if callable(source):
    return np.asarray(source(n), np.float32)
  return np.asarray(source)[rng.integers(0, len(source), n)].astype(np.float32)


class IndependentCritic:
  """A critic f and its optimizer, trained step by step to maximize
  W_hat(x_real, x_fake) = mean f(x_real) - mean f(x_fake) (eq. 6) under the
  settings' Lipschitz constraint. `critic`: a built critic instead of
  `build_critic`; `score`: critic -> f, called under the tape (default
  x -> critic(x, training=True))."""

  def __init__(self, input_shape, settings: Optional[CriticSettings] = None,
               critic: Optional[keras.Model] = None,
               score: Optional[Callable[[keras.Model], Callable]] = None):
    s = self.settings = settings or CriticSettings()
    if s.loss not in ("wgan", "wgan_gp"):
      raise ValueError(f"independent critic loss must be 'wgan' or 'wgan_gp', got {s.loss!r}")
    critic_loss, _, use_gp, use_clip = al.get_loss(s.loss)
    self.critic = critic if critic is not None else build_critic(input_shape, s)
    self.optimizer = _optimizer(s)
    self.optimizer.build(self.critic.trainable_variables)
    score = score or (lambda c: lambda x: c(x, training=True))
    variables = self.critic.trainable_variables

    @tf.function
    def step(x_real, x_fake, eps):
      with tf.GradientTape() as tape:
        f = score(self.critic)
        real_scores, fake_scores = f(x_real), f(x_fake)
        loss = critic_loss(real_scores, fake_scores)
        if use_gp:
          loss += s.gp_weight * al.gradient_penalty(f, x_real, x_fake, eps)
      self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
      if use_clip:
        al.clip_weights(variables, s.clip_value)
      return al.wasserstein_estimate(real_scores, fake_scores)
    self._step = step

  def train(self, real: np.ndarray, fake: ArrayOrSampler, steps: int,
            rng: np.random.Generator):
    """`steps` updates on batches drawn from `real` and `fake`; the batch
    estimates of W_hat, [steps]."""
    n = self.settings.batch_size
    return np.array([float(self._step(_draw(real, n, rng), _draw(fake, n, rng),
                                      rng.uniform(size=n).astype(np.float32)))
                     for _ in range(steps)])


def train_critic(real: np.ndarray, fake: ArrayOrSampler,
                 settings: Optional[CriticSettings] = None, log_every: int = 100,
                 critic: Optional[keras.Model] = None,
                 score: Optional[Callable[[keras.Model], Callable]] = None):
  """Trains a fresh critic (`IndependentCritic`, seeded) to maximize
  mean f(real) - mean f(fake).

  real: array [N, ...]; fake: an array of generated samples (batches drawn
  with replacement) or a sampler `n -> [n, ...]`. Returns (critic, history)
  with history {'step': [...], 'wasserstein': [...]} (the batch estimate,
  averaged over each `log_every` steps).
  """
  s = settings or CriticSettings()
  keras.utils.set_random_seed(s.seed)
  rng = np.random.default_rng(s.seed)
  real = np.asarray(real, np.float32)
  trainer = IndependentCritic(real.shape[1:], s, critic, score)
  history = {"step": [], "wasserstein": []}
  for start in range(0, s.steps, log_every):
    w = trainer.train(real, fake, min(log_every, s.steps - start), rng)
    history["step"].append(start + len(w))
    history["wasserstein"].append(float(np.mean(w)))
  return trainer.critic, history


def critic_scores(critic, x, batch_size: int = 500) -> np.ndarray:
  """f(x) for every example, [N] float64."""
  x = np.asarray(x, np.float32)
  return np.concatenate([np.reshape(critic(x[i:i + batch_size], training=False), [-1])
                         for i in range(0, len(x), batch_size)]).astype(np.float64)


def critic_distance(critic, real, fake, batch_size: int = 500) -> float:
  """W_hat = mean f(real) - mean f(fake) over whole sets (Danihelka eq. 6)."""
  return float(critic_scores(critic, real, batch_size).mean()
               - critic_scores(critic, fake, batch_size).mean())


def evaluate_independent_critic(valid, fake_train: ArrayOrSampler, fake_eval,
                                others: Optional[Dict[str, np.ndarray]] = None,
                                settings: Optional[CriticSettings] = None,
                                preprocess: Optional[Callable] = None) -> Dict:
  """Danihelka 3.5: train on `valid` vs `fake_train`, then W_hat of every set.

  fake_eval: held-out generated samples scored against each data set
  (`valid` and the `others`, e.g. {'train': ..., 'test': ...}).
  preprocess: map applied to every input (e.g. x -> 2x - 1 for images).
  Returns {'distance': {name: W_hat}, 'history': ..., 'settings': ...}.
  """
  s = settings or CriticSettings()
  pre = preprocess or (lambda x: x)
  fake_src = (lambda n: pre(fake_train(n))) if callable(fake_train) else pre(fake_train)
  critic, history = train_critic(pre(np.asarray(valid)), fake_src, s)
  fake_scores = critic_scores(critic, pre(np.asarray(fake_eval)))
  sets = {"validation": valid, **(others or {})}
  distance = {name: float(critic_scores(critic, pre(np.asarray(x))).mean()
                          - fake_scores.mean()) for name, x in sets.items()}
  return {"distance": distance, "history": history,
          "settings": dataclasses.asdict(s), "num_fake_eval": int(len(fake_eval))}
