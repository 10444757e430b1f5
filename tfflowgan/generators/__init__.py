"""Generators: flow generators (exact likelihood) and the one-way flow."""

from tfflowgan.generators.flow import FlowGenerator, prior
from tfflowgan.generators.nice import NICEGenerator, nice
from tfflowgan.generators.realnvp import RealNVPGenerator, realnvp
