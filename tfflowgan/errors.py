"""Errors the library raises for user input, each with a message that says what to fix."""


class ConfigError(ValueError):
  """A config file is missing, a binding names an unknown setting, or a
  setting cannot work (raised before training starts)."""
