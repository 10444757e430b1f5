"""log zeta of a trained one-way image model by annealed importance sampling
(`evaluation.ais`) at several numbers of temperatures: the forward (stochastic
lower) and reverse (stochastic upper) estimates, how far apart they are, and
the test bits/dim each gives (the runner's, in `metrics.json`, moved by the
change of log zeta). A bracket that narrows and stops moving as the
temperatures grow is the evidence that the estimate has converged.

  python scripts/oneway_ais.py --workdir runs/oneway_digits [--temperatures 100,300,1000,3000]
"""

import time

from absl import app, flags, logging

from tfflowgan import cli

flags.DEFINE_string("workdir", None, "training workdir (its latest checkpoint).", required=True)
flags.DEFINE_list("temperatures", ["100", "300", "1000", "3000"], "numbers K of temperatures.")
flags.DEFINE_integer("chains", 256, "AIS chains M.")
flags.DEFINE_integer("seed", 0, "AIS seed.")
FLAGS = flags.FLAGS


def _run():
  import json  # pylint: disable=g-import-not-at-top
  import os  # pylint: disable=g-import-not-at-top
  from tfflowgan.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from tfflowgan.evaluation import ais, final  # pylint: disable=g-import-not-at-top
  from tfflowgan.workdir import restore_workdir  # pylint: disable=g-import-not-at-top
  model, spec, _ = restore_workdir(FLAGS.workdir)
  if model.energy is None or not spec.is_image:
    raise ConfigError(f"{FLAGS.workdir}: AIS here is for one-way image models")
  with open(os.path.join(FLAGS.workdir, "metrics.json")) as f:
    metrics = json.load(f)  # the runner's test bits/dim and the log zeta they used
  print(f"{FLAGS.workdir}: M = {FLAGS.chains} chains\n")
  print("| K | log zeta, forward | reverse | reverse - forward | bootstrap std | ESS | "
        "test bits/dim (forward / reverse) | seconds |\n|---|---|---|---|---|---|---|---|")
  for k in map(int, FLAGS.temperatures):
    start = time.time()
    r = ais.ais_log_zeta(model.energy, tuple(spec.shape), FLAGS.chains, k, seed=FLAGS.seed)
    bpd = [final.bits_per_dim_with(metrics["test_bits_per_dim"], metrics["log_zeta"], z,
                                   spec.num_dims) for z in (r["log_zeta"], r["log_zeta_upper"])]
    print(f"| {k} | {r['log_zeta']:.2f} | {r['log_zeta_upper']:.2f} | "
          f"{r['log_zeta_upper'] - r['log_zeta']:.2f} | {r['log_zeta_std']:.2f} | "
          f"{r['ess']:.0f} | {bpd[0]:.3f} / {bpd[1]:.3f} | {time.time() - start:.0f} |",
          flush=True)


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  cli.run(lambda _: _run(), FLAGS.workdir)


if __name__ == "__main__":
  app.run(main)
