"""tfflowgan: flow generators trained by maximum likelihood, adversarially, or both.

Layout: `data` (pipelines), `bijectors` (TFP bijectors), `generators` (flow
distributions), `critics`, `objectives` (Keras models with custom train_step),
`evaluation`, `export`; `training` runs a gin-configured experiment.
"""

__version__ = "0.1.0"
