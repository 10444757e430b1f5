"""TFP bijectors of the library; `forward` is the normalizing direction x -> z."""

from tfflowgan.bijectors.additive_coupling import AdditiveCoupling
from tfflowgan.bijectors.affine_coupling import AffineCoupling
from tfflowgan.bijectors.diagonal_scale import DiagonalScale
from tfflowgan.bijectors.logit import Logit
from tfflowgan.bijectors.masks import channel_mask, checkerboard_mask
from tfflowgan.bijectors.multiscale import MultiScaleRealNVP, coupling_specs, multiscale_plan
from tfflowgan.bijectors.nets import MLPShiftNet, ResNetCouplingNet
from tfflowgan.bijectors.squeeze import Squeeze
