"""scripts/danihelka_report.py on fabricated evaluated runs: each finding's
verdict and figures follow from numbers set here by hand (a wrong sign, a
swapped split or a ranking by the wrong key changes a verdict), and the
table and figures are written."""

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import danihelka_report  # pylint: disable=g-import-not-at-top,wrong-import-position


def _write(tmp_path, name, bpd, w_train, w_val, w_test, z_std, seed):
  d = tmp_path / name
  (d / "eval").mkdir(parents=True)
  ev = {"num_dims": 4, "levels": 256, "likelihood_kind": "exact",
        "likelihood": {"test": {"mean_nll": 0.0, "mean_bits_per_dim": bpd},
                       "generated": {"mean_bits_per_dim": bpd - 1.5}},
        "sample_quality": {"fid": 10.0 + seed, "mode_score": 5.0},
        "latent": {"statistics": {"mean": 0.01 * seed, "std": z_std}}}
  (d / "eval.json").write_text(json.dumps(ev))
  (d / "metrics.json").write_text(json.dumps({"best_validation": {
      "epoch": 2, "test_nll": 1.0, "test_bits_per_dim": bpd - 0.01}}))
  (d / "history.csv").write_text("epoch,bits_per_dim,val_bits_per_dim\n"
                                 f"0,{bpd + 2},{bpd + 2.1}\n1,{bpd + 1},{bpd + 1.1}\n2,{bpd},{bpd}\n")
  rounds = [{"epoch": e, "step": 10 * e, "critic_w_train": w_train * e / 2,
             "critic_w_validation": w_val * e / 2, "critic_w_test": w_test * e / 2}
            for e in (1, 2)]
  (d / "critic_history.json").write_text(json.dumps({"history": rounds}))
  np.savez(d / "eval" / "samples.npz", samples=np.random.RandomState(seed).randint(
      0, 256, (8, 2, 2, 1)), levels=np.int32(256))
  return str(d)


def test_findings_from_hand_set_numbers(tmp_path, capsys):
  # NVP2 has the lower NLL but the higher W_hat(test): the critic's ranking disagrees.
  nvp1 = [_write(tmp_path, f"n1_{s}", 3.0 + 0.1 * s, 1.0, 1.5, 2.0, 1.1, s) for s in range(3)]
  nvp2 = [_write(tmp_path, f"n2_{s}", 2.0 + 0.1 * s, 3.0, 3.5, 2.5 + s, 1.0, s)
          for s in range(3)]
  wgan = [_write(tmp_path, f"w_{s}", 9.0 + s, 5.0, 5.0, 5.0 + (s - 1), 4.0, s)
          for s in range(3)]
  out = tmp_path / "report"
  danihelka_report.main(["--group", "NVP1 MLE", *nvp1, "--group", "NVP2 MLE", *nvp2,
                         "--group", "NVP1 WGAN", *wgan, "--out_dir", str(out)])
  text = (out / "findings.md").read_text()
  assert ("NVP1 WGAN's test NLL is far worse than NVP1 MLE's (Fig. 13): holds (bits/dim "
          "NVP1 WGAN 10.00 ± 1.00, NVP1 MLE 3.100 ± 0.100)") in text
  assert "far worse than NVP2 MLE's" not in text  # another generator: not compared
  assert ("ranks the MLE generators as their test NLL does (finding 1): does not hold (by NLL "
          "['NVP2 MLE', 'NVP1 MLE'], by W_hat(test) ['NVP1 MLE', 'NVP2 MLE']") in text
  # NLL 3.0 3.1 3.2 2.0 2.1 2.2 against W_hat(test) 2 2 2 2.5 3.5 4.5: of the 15 pairs the
  # three NVP1 ties and the nine NVP1-NVP2 pairs are not alike, NVP2's three pairs are.
  assert "Over all 6 MLE runs, pairs ordered alike by test NLL and by W_hat(test): 3 of 15." \
      in text
  assert ("NVP1 MLE: W_hat(train) < W_hat(test) at the last round (finding 2, over-fitting): "
          "holds: true for 3 of 3 seeds (test - train: +1.00, +1.00, +1.00; train 1.00 ± 0.00, "
          "validation 1.50 ± 0.00, test 2.00 ± 0.00)") in text
  assert ("NVP2 MLE: W_hat(train) < W_hat(test) at the last round (finding 2, over-fitting): "
          "does not hold: true for 2 of 3 seeds (test - train: -0.50, +0.50, +1.50") in text
  assert ("NVP1 WGAN: W_hat(train) < W_hat(test) at the last round (finding 2, over-fitting): "
          "does not hold: true for 1 of 3 seeds") in text
  assert "NVP1 WGAN: inferred latents z = f(x) of validation images have mean 0.010 ± 0.010 " \
         "and std 4.000 ± 0.000" in text
  table = (out / "seeds.md").read_text()
  assert "| NVP1 MLE | 3 | 3.100 ± 0.100 | 3.090 ± 0.100 | 1.600 ± 0.100 | 1.00 ± 0.00 | 1.50 ± 0.00 | " \
         "2.00 ± 0.00 | 1.00 ± 0.00 |" in table
  for png in ("bits_per_dim.png", "critic_w.png", "samples.png"):
    assert (out / png).stat().st_size > 1000
  assert "figures:" in capsys.readouterr().out


def test_a_run_without_its_critic_history_ends_with_one_line(tmp_path):
  d = _write(tmp_path, "n1_0", 3.0, 1.0, 1.5, 2.0, 1.1, 0)
  os.remove(os.path.join(d, "critic_history.json"))
  with pytest.raises(SystemExit, match=r"n1_0/critic_history.json not found: train "
                     r"\(scripts/train.py with train.critic_every_epochs\)"):
    danihelka_report.main(["--group", "NVP1 MLE", d, "--out_dir", str(tmp_path / "r")])
