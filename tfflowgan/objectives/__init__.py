"""Objectives: Keras models whose `train_step` implements a training criterion."""

from tfflowgan.objectives.common import adam
from tfflowgan.objectives.mle import FlowMLE, flow_mle
from tfflowgan.objectives import avade, flowgan, oneway, wgan_gp  # noqa: F401  (gin builders)
