"""Appendix B / Fig. 9 of the one-way flow paper: does gradient ascent on the
one-sample estimate n log||J v|| (eq. 8-9) raise the true log|det J|?

  python scripts/oneway_logdet_ascent.py [--sizes 8 16 32] [--depths 1 4 16 32]
      [--steps 150] [--networks 5] [--eval_size 256] [--objective one_sample]
      [--seed 0] [--png docs/oneway_logdet_ascent.png]

For each latent size n and depth, --networks random networks R^n -> R^n (a
random order of linear, 1-channel 3-tap convolution, LeakyReLU 0.2 and
inference-mode batch-norm layers; `tfflowgan.evaluation.logdet_ascent`) are
trained by Adam (rate 5e-4, the paper's) for --steps updates ascending the
one-sample estimate (--objective exact: the exact log-det, as a reference),
each on a fresh batch of --batch_size inputs u ~ N(0, I); after every update
the exact mean log|det J| (slogdet of the full Jacobian) on a fixed batch of
--eval_size inputs per network. Prints the success rate (share of updates
that raised it) and the mean change per update, rows n, columns depth.

Paper (Ben-Dov et al. App. B): 50 networks per cell, success rate above 85% in
every cell.
"""

import argparse
import time

from tfflowgan.evaluation import logdet_ascent


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32])
  p.add_argument("--depths", type=int, nargs="+", default=[1, 4, 16, 32])
  p.add_argument("--steps", type=int, default=150)
  p.add_argument("--networks", type=int, default=5)
  p.add_argument("--batch_size", type=int, default=64)
  p.add_argument("--eval_size", type=int, default=256)
  p.add_argument("--objective", choices=sorted(logdet_ascent.OBJECTIVES), default="one_sample",
                 help="what the updates ascend: eq. 9's estimate, or the exact log-det "
                      "(the reference)")
  p.add_argument("--learning_rate", type=float, default=logdet_ascent.LEARNING_RATE)
  p.add_argument("--seed", type=int, default=0)
  p.add_argument("--png", default=None, help="write Fig. 9 (per-iteration differences) here")
  a = p.parse_args()
  wall, cpu = time.time(), time.process_time()
  results = logdet_ascent.ascent_grid(
      a.sizes, a.depths, a.steps, a.networks, seed=a.seed, batch_size=a.batch_size,
      eval_size=a.eval_size, learning_rate=a.learning_rate, objective=a.objective,
      log=lambda line: print(f"{line} ({time.time() - wall:.0f} s)", flush=True))
  print(f"\nobjective {a.objective}, Adam, rate {a.learning_rate:g}, {a.steps} steps, "
        f"{a.networks} networks per cell, batch {a.batch_size}, evaluation batch {a.eval_size}, seed {a.seed}: "
        f"{time.time() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU\n")
  print(logdet_ascent.format_tables(results))
  if a.png:
    print("wrote", logdet_ascent.save_differences_figure(results, a.png))


if __name__ == "__main__":
  main()
