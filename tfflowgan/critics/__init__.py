"""Critics (discriminators): scores [B, 1] for batches of examples."""

from tfflowgan.critics.dcgan import dcgan_critic
from tfflowgan.critics.fast_critic import FastLearningCritic, fast_critic
from tfflowgan.critics.flowgan import flowgan_cifar_critic, flowgan_mnist_critic
from tfflowgan.critics.mlp import mlp_critic
