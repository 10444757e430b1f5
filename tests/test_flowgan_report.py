"""scripts/flowgan_report.py on fabricated evaluated runs: each finding's
verdict and figures follow from numbers set here by hand, the NLL curve is
converted to continuous nats, and the figures are written."""

import json
import math
import os
import sys

import numpy as np
import pytest

from tfflowgan.evaluation import flowgan_figures

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import flowgan_report  # pylint: disable=g-import-not-at-top,wrong-import-position

D, LEVELS = 4, 256
OFFSET = D * math.log(LEVELS)
SIGMAS = [0.05, 0.1, 0.2]
PARZEN_NLL = [-1.0, 5.0, 9.0]      # continuous nats
PARZEN_MODE = [9.0, 8.0, 3.0]


def _bpd(nll_cont):
  return 8 + nll_cont / (D * math.log(2))


def _write(tmp_path, name, best_nll, val_curve, mode, cond, seed, rank=4):
  d = tmp_path / name
  (d / "eval").mkdir(parents=True)
  ev = {"num_dims": D, "levels": LEVELS, "likelihood_kind": "exact",
        "likelihood": {"test": {"mean_nll": val_curve[-1], "mean_bits_per_dim": _bpd(val_curve[-1])}},
        "parzen": {"sigmas": SIGMAS, "test_nll": PARZEN_NLL},
        "sample_quality": {"mode_score": mode, "parzen": {"sigmas": SIGMAS,
                                                          "mode_score": PARZEN_MODE}},
        "jacobian": {"condition_number_median": cond, "numerical_rank": {"median": rank},
                     "log_singular_values_mean": list(np.log([cond, 2.0, 1.5, 1.0]))}}
  (d / "eval.json").write_text(json.dumps(ev))
  epoch = int(np.argmin(val_curve)) + 1
  (d / "metrics.json").write_text(json.dumps({"best_validation": {
      "epoch": epoch, "test_nll": best_nll + OFFSET, "test_bits_per_dim": _bpd(best_nll)}}))
  (d / "history.csv").write_text("epoch,val_nll\n" + "".join(
      f"{i},{v + OFFSET}\n" for i, v in enumerate(val_curve)))
  rng = np.random.RandomState(seed)
  np.savez(d / "eval" / "samples.npz", samples=rng.randint(0, 256, (8, 2, 2, 1)),
           levels=np.int32(256))
  return str(d)


def test_findings_from_hand_set_numbers(tmp_path, capsys):
  mle = [_write(tmp_path, f"mle{s}", 2.0 + 0.1 * s, [4.0, 3.0, 2.0 + 0.1 * s], 7.0, 10.0, s)
         for s in range(3)]
  adv = [_write(tmp_path, f"adv{s}", 3.0 + 0.1 * s, [3.0 + 0.1 * s, 8.0, 12.0], 8.5,
                math.inf if s == 0 else 1e5, s, rank=2 + s % 2) for s in range(3)]
  hyb = [_write(tmp_path, f"hyb{s}", 2.1 + 0.1 * s, [4.0, 3.0, 2.1 + 0.1 * s], 7.5, 20.0, s)
         for s in range(3)]
  out = tmp_path / "report"
  flowgan_report.main(["--group", "MLE", *mle, "--group", "ADV", *adv,
                       "--group", "Hybrid", *hyb, "--out_dir", str(out)])
  text = (out / "findings.md").read_text()
  assert "MLE beats ADV on test NLL at the best-validation checkpoint: holds" in text
  assert "ADV's validation NLL worsens as it trains: holds (nats: best 3 ± 0 at epochs " \
         "[1, 1, 1], last 12 ± 0)" in text
  assert "ADV beats MLE on MODE score: holds (MLE 7.00 ± 0.00, ADV 8.50 ± 0.00)" in text
  assert ("ADV's Jacobian is worse conditioned than MLE's: holds (median condition number over "
          "prior samples, per seed: MLE [10, 10, 10], ADV [inf, 1e+05, 1e+05], Hybrid [20, 20, 20]; "
          "median numerical rank, D = 4: MLE 4 ± 0, ADV 2 ± 1, Hybrid 4 ± 0)") in text
  # ADV: best-validation NLL 3.1 nats, MODE 8.5 -> Parzen wins on both only at sigma 0.05.
  assert "for some bandwidth: holds (sigmas [0.05])" in text
  mle_bpd, hyb_bpd = np.mean([_bpd(2.0 + 0.1 * s) for s in range(3)]), \
      np.mean([_bpd(2.1 + 0.1 * s) for s in range(3)])
  rel = (hyb_bpd - mle_bpd) / mle_bpd
  assert f"within 10% of MLE's (the paper: better than MLE's): holds ({rel:+.1%}" in text
  assert "Hybrid beats MLE on MODE score: holds" in text
  table = (out / "seeds.md").read_text()
  assert "| MLE | 3 | 2.1 ± 0.1 |" in table  # continuous nats of the last epoch's eval
  for png in ("parzen.png", "singular_values.png", "nll_over_training.png", "samples.png"):
    assert (out / png).stat().st_size > 1000
  assert "figures:" in capsys.readouterr().out


def test_beats_on_both_mask():
  mask = flowgan_figures.beats_on_both(PARZEN_NLL, PARZEN_MODE, ref_nll=6.0, ref_mode=7.5)
  np.testing.assert_array_equal(mask, [True, True, False])


def test_missing_history_is_one_line(tmp_path):
  d = tmp_path / "run"
  d.mkdir()
  (d / "eval.json").write_text("{}")
  (d / "metrics.json").write_text("{}")
  with pytest.raises(SystemExit, match="history.csv not found"):
    flowgan_report.main(["--group", "MLE", str(d), "--out_dir", str(tmp_path / "o")])
