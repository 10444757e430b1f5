"""The suite's limits that can hide an analysis: the Jacobian stage's
`jacobian_max_dims` (also a scripts/evaluate.py flag) and the generated-sample
count of the sample metrics (by default the reference split's size, at least
`MIN_GENERATED`), which eval.json's `sample_quality` block records."""

import json
import os
import subprocess
import sys

import pytest

from tfflowgan.data import load_splits
from tfflowgan.evaluation import suite
from tfflowgan.generators.realnvp import realnvp
from tfflowgan.objectives.mle import flow_mle

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def digits():
  splits = load_splits("digits", seed=0)
  model = flow_mle(splits.spec, generator=lambda spec: realnvp(spec, num_blocks=1, hidden=8))
  return model, splits


def test_generated_count():
  assert suite.generated_count(None, 297) == suite.MIN_GENERATED == 1000
  assert suite.generated_count(None, 10000) == 10000  # CIFAR-10's test split
  assert suite.generated_count(1000, 10000) == 1000   # an explicit count wins
  assert suite.generated_count(200, 297) == 200


def test_jacobian_stage_runs_up_to_its_limit(digits, tmp_path):
  model, splits = digits
  run = lambda limit: suite.run_suite(
      model, splits, str(tmp_path / str(limit)),
      suite.SuiteConfig(stages=("jacobian",), jacobian_samples=2, jacobian_max_dims=limit,
                        max_examples=50), log=lambda s: None)
  below = run(63)
  assert "jacobian" not in below and "--jacobian_max_dims" in below["skipped"]["jacobian"]
  at = run(64)
  assert at["errors"] == {} and at["jacobian"]["jacobian_shape"] == [64, 64]
  assert at["settings"]["jacobian_max_dims"] == 64


def test_sample_quality_scores_as_many_samples_as_the_reference_split(digits, tmp_path,
                                                                     monkeypatch):
  model, splits = digits
  clf = str(tmp_path / "digits.keras")
  cfg = lambda **kw: suite.SuiteConfig(stages=("sample_quality",), classifier_path=clf,
                                       classifier_epochs=0, **kw)
  monkeypatch.setattr(suite, "MIN_GENERATED", 100)  # below digits' 297 test images
  ev = suite.run_suite(model, splits, str(tmp_path / "full"), cfg(), log=lambda s: None)
  sq = ev["sample_quality"]
  assert ev["errors"] == {}, ev["errors"]
  assert sq["num_samples"] == sq["num_reference"] == 297 == ev["generated_samples"]["count"]
  capped = suite.run_suite(model, splits, str(tmp_path / "capped"), cfg(max_examples=150),
                           log=lambda s: None)["sample_quality"]
  assert capped["num_samples"] == capped["num_reference"] == 150
  fixed = suite.run_suite(model, splits, str(tmp_path / "fixed"), cfg(num_samples=120),
                          log=lambda s: None)
  assert fixed["sample_quality"]["num_samples"] == 120
  assert fixed["sample_quality"]["num_reference"] == 297
  with open(tmp_path / "fixed" / "eval.json") as f:
    assert json.load(f)["sample_quality"]["num_samples"] == 120


def test_evaluate_flags_reach_the_suite(tmp_path):
  from test_evaluate_cli import _train_tiny  # pylint: disable=g-import-not-at-top
  workdir = tmp_path / "run"
  _train_tiny(workdir)
  cmd = [sys.executable, os.path.join(ROOT, "scripts", "evaluate.py"), "--workdir",
         str(workdir), "--stages", "jacobian,sample_quality", "--jacobian_max_dims", "63",
         "--max_examples", "100", "--classifier", str(tmp_path / "digits.keras"),
         "--classifier_epochs", "0"]
  run = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
  assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
  with open(workdir / "eval.json") as f:
    ev = json.load(f)
  assert ev["settings"]["jacobian_max_dims"] == 63 and "jacobian" in ev["skipped"]
  assert ev["settings"]["num_samples"] is None  # the default: the reference split's size,
  assert ev["sample_quality"]["num_reference"] == 100  # here below MIN_GENERATED
  assert ev["sample_quality"]["num_samples"] == suite.MIN_GENERATED
