"""The comparison table from fabricated eval.json dicts: exact markdown."""

import json

from tfflowgan.evaluation import report

MLE = {
    "likelihood_kind": "exact",
    "likelihood": {"test": {"mean_bits_per_dim": 2.04567}},
    "parzen": {"best_sigma": 0.15, "best_test_bits_per_dim": 3.3927},
    "jacobian": {"condition_number_median": 231.26},
    "sample_quality": {"features": "digits classifier", "fid": 11.868, "mode_score": 8.116,
                       "precision": 0.7234, "recall": 0.5, "density": 1.0456,
                       "coverage": 0.8901,
                       "parzen": {"sigmas": [0.1, 0.15], "fid": [6.1, 5.564],
                                  "mode_score": [9.6, 9.4317]}},
    "independent_critic": {"distance": {"train": 0.2, "validation": 0.4, "test": 0.26471}},
}
ADV = {  # a flow gone bad: infinite NLL stored as a JSON string, no critic stage
    "likelihood_kind": "exact",
    "likelihood": {"test": {"mean_bits_per_dim": "inf"}},
    "parzen": {"best_sigma": 0.15, "best_test_bits_per_dim": 3.3927},
    "jacobian": {"condition_number_median": 123456.0},
    "sample_quality": {"features": "digits classifier", "fid": 4.5, "mode_score": 9.01},
    "skipped": {"independent_critic": "not run"},
}
ONEWAY = {"likelihood_kind": "estimate", "likelihood": {"test": {"mean_bits_per_dim": 2.5}}}
EMPTY = {}  # nothing evaluated: the test bits/dim comes from metrics.json

EXPECTED = """\
| run | test bits/dim | FID | MODE score | precision | recall | density | coverage | condition number (median) | independent critic W (test) | Parzen test bits/dim |
|---|---|---|---|---|---|---|---|---|---|---|
| mle | 2.046 | 11.87 | 8.12 | 0.723 | 0.500 | 1.046 | 0.890 | 231 | 0.265 | 3.393 |
| adv | inf | 4.50 | 9.01 | n/a | n/a | n/a | n/a | 1.23e+05 | n/a | 3.393 |
| oneway | 2.500 (estimate) | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |
| old | 1.900 | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |
| Parzen window, sigma = 0.15 (baseline) | 3.393 | 5.56 | 9.43 | n/a | n/a | n/a | n/a | n/a | n/a | 3.393 |

FID / MODE score features: digits classifier
"""


def _evals():
  # Through JSON, as compare.py reads them.
  return {k: json.loads(json.dumps(v)) for k, v in
          (("mle", MLE), ("adv", ADV), ("oneway", ONEWAY), ("old", EMPTY))}


def test_comparison_table_exact_markdown():
  got = report.comparison_table(_evals(), {"old": {"test_bits_per_dim": 1.9}})
  assert got == EXPECTED


def test_summarize_values():
  s = report.summarize(MLE)
  assert s["test_bits_per_dim"] == 2.04567 and s["critic_distance_test"] == 0.26471
  assert s["parzen_sigma"] == 0.15 and s["features"] == "digits classifier"
  assert (s["precision"], s["recall"], s["density"], s["coverage"]) == (
      0.7234, 0.5, 1.0456, 0.8901)
  assert report.summarize(ADV)["test_bits_per_dim"] == float("inf")
  assert report.summarize(EMPTY)["fid"] is None


def test_baseline_without_sample_quality_and_plot(tmp_path):
  rows = report.comparison_rows({"a": {"parzen": {"best_sigma": 0.1,
                                                  "best_test_bits_per_dim": 3.5}}})
  assert list(rows) == ["a", "Parzen window, sigma = 0.1 (baseline)"]
  assert rows["Parzen window, sigma = 0.1 (baseline)"]["fid"] is None
  path = report.save_comparison_plot(report.comparison_rows(_evals()), str(tmp_path / "c.png"))
  assert (tmp_path / "c.png").stat().st_size > 1000 and path.endswith("c.png")
