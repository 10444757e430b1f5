"""Multi-scale RealNVP generator (Dinh et al. 2017; NVP1/2/3 of Danihelka et al.)."""

import gin

from tfflowgan.bijectors import (MultiScaleRealNVP, ResNetCouplingNet,
                                 coupling_specs, multiscale_plan)
from tfflowgan.generators.flow import FlowGenerator


class RealNVPGenerator(FlowGenerator):

  def __init__(self, shape, num_scales=1, couplings_per_stage=3, final_couplings=1,
               num_blocks=4, hidden=64, logit_alpha=0.05, prior_name="normal",
               **kwargs):
    super().__init__(shape, logit_alpha=logit_alpha, prior_name=prior_name, **kwargs)
    self.plan = multiscale_plan(self.data_shape, num_scales, couplings_per_stage,
                                final_couplings)
    self.nets = [ResNetCouplingNet(s.shape[-1], hidden, num_blocks)
                 for s in coupling_specs(self.plan)]

  def make_flow(self):
    return MultiScaleRealNVP(self.data_shape, self.plan, self.nets)


@gin.configurable
def realnvp(spec, num_scales=1, couplings_per_stage=3, final_couplings=1,
            num_blocks=4, hidden=64, logit_alpha=0.05, prior_name="normal"):
  """gin builder: multi-scale RealNVP for `spec` (NVP1/2/3: num_scales 1/2/3,
  4 residual blocks per coupling, no batch norm)."""
  return RealNVPGenerator(spec.shape, num_scales, couplings_per_stage,
                          final_couplings, num_blocks, hidden, logit_alpha,
                          prior_name)
