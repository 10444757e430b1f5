"""In-process runs of the gin runner for tests: one config file plus bindings,
gin state cleared before and after."""

import gin


def train_config(config, bindings, workdir, save_operative=False):
  """`training.train(workdir)` under `config` + `bindings`; its metrics. With
  `save_operative`, also writes the operative config (as scripts/train.py)."""
  from tfflowgan import config as config_lib, training  # pylint: disable=g-import-not-at-top
  try:
    gin.clear_config()
    config_lib.parse([config], list(bindings))
    run = lambda: training.train(str(workdir), verbose=0)
    return config_lib.save_operative(str(workdir), run) if save_operative else run()
  finally:
    gin.clear_config()
