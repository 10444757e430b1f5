"""Objectives: Keras models whose `train_step` implements a training criterion."""

from tfflowgan.objectives.common import adam
from tfflowgan.objectives.mle import FlowMLE, flow_mle
from tfflowgan.objectives import oneway  # noqa: F401  (one-way flows, issue 8)
from tfflowgan.objectives import flowgan  # noqa: F401  (Flow-GAN family, issue 3)
from tfflowgan.objectives import avade  # noqa: F401  (AV-ADE family, issue 6)
