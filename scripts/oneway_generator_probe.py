"""Can the one-way generator alone follow a sharpening 2D mixture? A diagnostic
for the Table 1 configs: no critic, the generator minimizes the reverse KL
E[-log|det J| - log p_s(G(z))] to the true mixture blurred by s, s falling
linearly from s0 to 0 over --anneal steps (eq. 17 with D/w = log p_s, exact).
Prints modes / % high quality every 1000 steps.

  python scripts/oneway_generator_probe.py --data grid --activation tanh \
      --steps 20000 --anneal 16000 --s0 1.0

Seen on 2 CPU cores (seed 0, 3 x 256 units): ring, 8000 steps, s0 0.3 over
5000 steps: 2 modes at 96% high quality; grid, s0 1.0 over 5000 steps: 4 modes
at 18%; over 16000 steps: modes fall from 22 to under 10 as s -> 0, tanh and
leaky ReLU alike. Reverse KL against the exact target drops modes as it
sharpens, so the critic game is what keeps modes in `oneway_ring.gin`.
"""

import argparse
import time

import gin
import keras
import numpy as np
import tensorflow as tf

from tfflowgan.data import toy2d
from tfflowgan.data.spec import DataSpec
from tfflowgan.evaluation import modes2d
from tfflowgan.generators.logdet import tape_sources
from tfflowgan.generators.oneway import oneway_generator
from tfflowgan.generators.oneway_networks import mlp_network


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--data", choices=["ring", "grid"], default="grid")
  p.add_argument("--activation", default="tanh")
  p.add_argument("--hidden", type=int, nargs="+", default=[256, 256, 256])
  p.add_argument("--steps", type=int, default=8000)
  p.add_argument("--anneal", type=int, default=5000)
  p.add_argument("--s0", type=float, default=1.0)
  p.add_argument("--learning_rate", type=float, default=1e-3)
  p.add_argument("--seed", type=int, default=0)
  a = p.parse_args()
  mixture = toy2d.get_mixture(a.data)
  gin.parse_config([f"mlp_network.hidden = {tuple(a.hidden)}",
                    f"mlp_network.activation = '{a.activation}'",
                    f"mlp_network.output_scale = {4.0 if a.data == 'grid' else 1.0}"])
  keras.utils.set_random_seed(a.seed)
  gen = oneway_generator(DataSpec(a.data, (2,), None), network=mlp_network, latent_dim=2,
                         logdet="exact")
  opt = keras.optimizers.Adam(a.learning_rate, beta_1=0.5)
  means = tf.constant(mixture.means, tf.float32)

  @tf.function
  def step(s):
    var = mixture.std ** 2 + s ** 2
    with tf.GradientTape() as tape:
      y, logdet = gen.forward_with_logdet(gen.sample_inputs(256), training=True)
      d2 = tf.reduce_sum(tf.square(y[:, None, :] - means[None]), -1)
      log_p = tf.reduce_logsumexp(-d2 / (2 * var), 1) - tf.math.log(2 * np.pi * var)
      loss = tf.reduce_mean(-logdet - log_p)
    variables = gen.trainable_variables
    grads = tape.gradient(loss, tape_sources(variables),
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    opt.apply_gradients(zip(grads, variables))
    return loss

  start = time.time()
  for i in range(1, a.steps + 1):
    loss = step(tf.constant(a.s0 * max(0.0, 1.0 - i / a.anneal), tf.float32))
    if i % 1000 == 0:
      m = modes2d.mixture_metrics(a.data, gen.sample(modes2d.NUM_EVAL_POINTS).numpy())
      print(f"step {i}: loss {float(loss):.2f}, modes {m['modes']:.0f}, high quality "
            f"{m['high_quality']:.1f}% ({time.time() - start:.0f} s)", flush=True)


if __name__ == "__main__":
  main()
