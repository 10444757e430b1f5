"""Generators: flow generators (exact likelihood) and the one-way flow."""

from tfflowgan.generators.flow import FlowGenerator, prior
from tfflowgan.generators.nice import NICEGenerator, nice
from tfflowgan.generators.realnvp import RealNVPGenerator, realnvp
from tfflowgan.generators.oneway import OneWayFlow, oneway_generator
from tfflowgan.generators.oneway_networks import dcgan_network, mlp_network
