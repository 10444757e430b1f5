"""Seed spread: mean / sample std against numpy, the beyond-spread rule at its
edge, non-finite values, the best-validation nats conversion, and compare.py
--group end to end on written eval.json / metrics.json files."""

import json
import math
import os
import sys

import numpy as np
import pytest

from tfflowgan.evaluation import report, seed_spread

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import compare  # pylint: disable=g-import-not-at-top,wrong-import-position


def test_spread_matches_numpy_and_counts_inf():
  vals = [5.81, 5.93, 5.87]
  s = seed_spread.spread(vals + [math.inf, None])
  assert s.mean == pytest.approx(np.mean(vals))
  assert s.std == pytest.approx(np.sqrt(np.sum((np.array(vals) - np.mean(vals)) ** 2) / 2))
  assert (s.count, s.count_nonfinite) == (3, 1)
  assert s.cell("{:.2f}") == f"5.87 ± {s.std:.2f} (1 inf)"
  one = seed_spread.spread([2.0])
  assert one.count == 1 and math.isnan(one.std) and one.cell("{:.1f}") == "2.0"
  assert seed_spread.spread([math.inf]).cell("{:.1f}") == "inf"


def test_beyond_spread_at_the_edge():
  # a: mean 1, std 1; b: mean 3.5, std 1 -> |diff| 2.5 > 2: marked.
  # c: mean 2.9, std 1 -> |a - c| 1.9 < 2 and |b - c| 0.6: not marked.
  groups = {"a": [0.0, 1.0, 2.0], "b": [2.5, 3.5, 4.5], "c": [1.9, 2.9, 3.9], "d": [9.0]}
  spreads = {k: {"x": seed_spread.spread(v)} for k, v in groups.items()}
  pairs = seed_spread.beyond_spread(spreads, "x")
  assert [(a, b) for a, b, _ in pairs] == [("a", "b")]  # d has one run: no spread
  assert pairs[0][2] == pytest.approx(-2.5)


def test_best_validation_nats_are_continuous():
  d, levels = 784, 256
  ev = {"num_dims": d, "levels": levels, "likelihood": {"test": {"mean_nll": -1000.0}}}
  discrete = 3000.0  # the training metric `nll`: discrete-space nats
  metrics = {"best_validation": {"epoch": 7, "test_nll": discrete,
                                 "test_bits_per_dim": discrete / (d * math.log(2))}}
  row = report.summarize(ev, metrics)
  assert row["best_validation_test_nll_nats"] == pytest.approx(discrete - d * math.log(256))
  # The two units agree through bits/dim = 8 + NLL_cont / (D ln 2) (REFERENCE_SETTINGS).
  assert 8 + row["best_validation_test_nll_nats"] / (d * math.log(2)) == pytest.approx(
      row["best_validation_test_bits_per_dim"])
  assert row["test_nll_nats"] == -1000.0 and row["best_validation_epoch"] == 7


def _run(tmp_path, name, bpd, fid):
  d = tmp_path / name
  d.mkdir()
  (d / "eval.json").write_text(json.dumps({
      "likelihood_kind": "exact", "likelihood": {"test": {"mean_bits_per_dim": bpd}},
      "sample_quality": {"fid": fid}}))
  return str(d)


def test_compare_groups_table(tmp_path, capsys):
  mle = [_run(tmp_path, f"mle_s{i}", b, f) for i, (b, f) in
         enumerate([(5.8, 40.0), (5.9, 60.0), (6.0, 50.0)])]
  adv = [_run(tmp_path, f"adv_s{i}", b, f) for i, (b, f) in
         enumerate([(18.0, 40.0), (19.0, 60.0), ("inf", 50.0)])]
  out = str(tmp_path / "seeds.md")
  compare.main(["--group", "mle", *mle, "--group", "adv", *adv, "--out", out])
  table = open(out).read()
  assert table == capsys.readouterr().out.split("table: ")[0].rstrip("\n") + "\n"
  lines = table.splitlines()
  assert lines[0] == "| config | runs | test bits/dim | FID |"
  assert lines[2] == "| mle | 3 | 5.900 ± 0.100 | 50.00 ± 10.00 |"
  assert lines[3] == f"| adv | 3 | 18.500 ± {np.std([18, 19], ddof=1):.3f} (1 inf) | 50.00 ± 10.00 |"
  assert "- test bits/dim: mle - adv = -12.600" in table
  assert "FID:" not in table  # same means: no difference marked


def test_compare_group_needs_folders(tmp_path):
  with pytest.raises(SystemExit, match="give the group's run folders"):
    compare.main(["--group", "mle"])
  with pytest.raises(SystemExit, match="not both"):
    compare.main([_run(tmp_path, "x", 1.0, 1.0), "--group", "mle", "y"])
