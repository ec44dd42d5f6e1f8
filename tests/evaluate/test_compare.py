"""compare_models(): paired differences with intervals, McNemar, slices; interval coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.linear_model import LogisticRegression

import jupyter_mlops as mlops
from jupyter_mlops.evaluation.bootstrap import percentile_interval
from jupyter_mlops.evaluation.engine import Scored, grouped_samples


def test_paired_interval_covers_the_true_difference():
    """200 seeded trials: the 95% paired interval of an accuracy difference covers the truth."""
    rng = np.random.default_rng(123)
    n, covered = 400, 0
    for _ in range(200):
        truth = rng.integers(0, 2, n)
        u = rng.random(n)
        right_a, right_b = u < 0.80, (u < 0.70) | ((u > 0.85) & (u < 0.90))  # B: 0.75
        pa, pb = np.where(right_a, truth, 1 - truth), np.where(right_b, truth, 1 - truth)
        pair = [Scored("classifier", truth, p, None, (0, 1)) for p in (pa, pb)]
        _, _, s = grouped_samples(pair, np.zeros(n, dtype=np.int64), 1, 400, rng)
        lo, hi = percentile_interval(s[1]["accuracy"] - s[0]["accuracy"], 0.95)
        covered += bool(lo[0] <= -0.05 <= hi[0])
    assert 0.90 <= covered / 200 <= 0.99


def test_compare_reports_differences_mcnemar_and_slices(mlops_home, frame):
    mlops.snapshot(frame, "holdout")
    good = LogisticRegression().fit(frame[["x1", "x2"]], frame["churned"])
    weak = LogisticRegression().fit(frame[["x1"]], frame["churned"])
    mlops.register_model("churn", good)
    mlops.register_model("churn", weak)
    cmp = mlops.compare_models("churn/1", "churn/2", target="churned", slices=["segment"])
    acc = cmp.differences["accuracy"]
    assert acc["value"] == pytest.approx(acc["candidate"] - acc["champion"])
    assert acc["high"] < 0 and acc["worse"] and cmp.verdict == "worse"
    x = frame[["x1", "x2"]]
    right_a = good.predict(x) == frame["churned"]
    right_b = weak.predict(frame[["x1"]]) == frame["churned"]
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    assert cmp.mcnemar == {
        "champion_only": only_a,
        "candidate_only": only_b,
        "p_value": pytest.approx(binomtest(only_b, only_a + only_b, 0.5).pvalue),
    }
    assert {r["value"] for r in cmp.slices["segment"]} == {"smb", "enterprise", "consumer"}
    assert cmp.figures()[0]["data"][0]["x"] == list(cmp.differences)
    assert "worse" in cmp._repr_html_()


def test_a_model_against_itself_is_not_worse(mlops_home, frame, model):
    mlops.snapshot(frame, "holdout")
    cmp = mlops.compare_models(model, model, target="churned", importance_rows=0)
    assert cmp.differences["accuracy"]["value"] == 0
    assert cmp.verdict == "not worse"
    assert cmp.mcnemar["p_value"] == 1.0
