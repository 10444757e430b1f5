"""NICE (Dinh et al. 2014) as used by Flow-GAN on MNIST: 4 additive couplings
with alternating even/odd partitions of the flat image, then a diagonal scale."""

import gin
import tensorflow_probability as tfp

from tfflowgan.bijectors import AdditiveCoupling, DiagonalScale, MLPShiftNet
from tfflowgan.generators.flow import FlowGenerator

tfb = tfp.bijectors


class NICEGenerator(FlowGenerator):

  def __init__(self, shape, num_couplings=4, hidden=1000, num_layers=5,
               logit_alpha=None, prior_name="logistic", **kwargs):
    super().__init__(shape, logit_alpha=logit_alpha, prior_name=prior_name, **kwargs)
    d = self.num_dims
    self.nets = [MLPShiftNet(d - d // 2 if i % 2 else d // 2, hidden, num_layers)
                 for i in range(num_couplings)]
    self.log_scale = self.add_weight(shape=(d,), initializer="zeros", name="log_scale")

  def make_flow(self):
    d = self.num_dims
    couplings = [AdditiveCoupling(d, i % 2, net) for i, net in enumerate(self.nets)]
    # Chain applies right to left: reshape first, the scale last.
    return tfb.Chain([DiagonalScale(self.log_scale)] + couplings[::-1]
                     + [tfb.Reshape([d], event_shape_in=self.data_shape)])


@gin.configurable
def nice(spec, num_couplings=4, hidden=1000, num_layers=5, logit_alpha=None,
         prior_name="logistic"):
  """gin builder: NICE for `spec` (Flow-GAN MNIST: 4 couplings, 5 x 1000 ReLU,
  logistic prior)."""
  return NICEGenerator(spec.shape, num_couplings, hidden, num_layers,
                       logit_alpha, prior_name)
