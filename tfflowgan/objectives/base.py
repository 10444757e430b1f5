"""The interface every model of the library offers, whatever its objective.

A `GenerativeModel` is a Keras model with a custom `train_step` and:
- `likelihood_kind`: 'exact' (flows), 'estimate' (importance-sampled
  normalizer), 'bound' (a variational bound) or 'none' (a generator without
  a density, such as WGAN-GP's: `log_prob` raises `NoLikelihoodError`, and
  evaluation and export skip what needs a likelihood);
- `log_prob(x)`: log-density of x on [0, 1]^D for images (raw values for flat
  data), nats, one value per example; `data.units` turns it into the
  discrete-data space (bits/dim);
- `sample(n, seed=None)`: n samples in the data space (images clipped to
  [0, 1]); `seed` an optional stateless seed [2];
- `metric_means`: the epoch means Keras reports, fed by `update_metrics`.

Optional capabilities, None unless a model has them (evaluation and export
test for them, never for a class):
- `flow`: the invertible `FlowGenerator` (latent inference, exact Jacobians);
- `jacobian_map()`: (g, sample_inputs(n, seed), description) of the
  generator's map, for the Jacobian analysis;
- `energy(x)`: the unnormalized log-density of an energy model, with
  `log_zeta`, `update_log_zeta()` and `proposal()` (importance sampling);
- `critic_scores(seed)`: named critic functions f(x) of data-space x, for
  Wasserstein estimates W = E f(x_real) - E f(x_g);
- `importance_log_prob(x, k)`: a k-sample importance-weighted bound.
"""

import keras

from tfflowgan.objectives.common import mean_metrics


class NoLikelihoodError(NotImplementedError):
  """`log_prob` of a model whose `likelihood_kind` is 'none'."""


class GenerativeModel(keras.Model):
  """Base class of every objective (module doc)."""

  likelihood_kind: str = "exact"
  flow = None
  energy = None
  importance_log_prob = None

  def init_metrics(self, *names):
    self.metric_means = mean_metrics(*names)

  @property
  def metrics(self):
    return list(self.metric_means.values())

  def update_metrics(self, **values):
    """Feeds each value into its epoch mean; returns the means of those names."""
    for name, value in values.items():
      self.metric_means[name].update_state(value)
    return {name: self.metric_means[name].result() for name in values}

  def call(self, x):
    return self.log_prob(x)

  def log_prob(self, x):
    raise NotImplementedError

  def sample(self, n, seed=None):
    raise NotImplementedError

  def jacobian_map(self):
    return None

  def critic_scores(self, seed=1234):
    return {}
