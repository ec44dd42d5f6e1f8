"""evaluate(): sklearn's metrics overall and per slice, seeded intervals, reuse, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression, LogisticRegression

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, NotFound


def test_metrics_equal_sklearn_overall_and_per_slice(mlops_home, frame, model):
    mlops.snapshot(frame, "holdout")
    ev = mlops.evaluate(model, data="holdout@latest", target="churned", slices=["segment"])
    x, y = frame[["x1", "x2"]], frame["churned"]
    pred, proba = model.predict(x), model.predict_proba(x)[:, 1]
    assert ev.metrics["accuracy"]["value"] == pytest.approx(skm.accuracy_score(y, pred))
    assert ev.metrics["f1"]["value"] == pytest.approx(skm.f1_score(y, pred))
    assert ev.metrics["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(y, proba))
    assert ev.metrics["log_loss"]["value"] == pytest.approx(skm.log_loss(y, proba))
    smb = frame["segment"] == "smb"
    row = next(r for r in ev.slices["segment"] if r["value"] == "smb")
    assert row["n"] == int(smb.sum())
    assert row["metrics"]["recall"]["value"] == pytest.approx(skm.recall_score(y[smb], pred[smb]))
    lo, hi = ev.metrics["accuracy"]["low"], ev.metrics["accuracy"]["high"]
    assert lo < ev.metrics["accuracy"]["value"] < hi
    assert sum(map(sum, ev.confusion["matrix"])) == len(frame)
    assert {r["feature"] for r in ev.importance} == {"x1", "x2"}


def test_bootstrap_statistics_equal_sklearn_on_the_data():
    """The vectorised formulas the resamples go through give sklearn's values on the rows."""
    from jupyter_mlops.evaluation.engine import Scored, grouped_samples
    from jupyter_mlops.evaluation.summary import point

    rng = np.random.default_rng(3)
    n = 3000
    truth = rng.integers(0, 3, n)
    proba = rng.dirichlet([1, 1, 1], n)
    pred = proba.argmax(axis=1)
    m = Scored("classifier", truth, pred, proba, (0, 1, 2))
    codes = rng.integers(0, 4, n)
    _, observed, _ = grouped_samples([m], codes, 4, 100, np.random.default_rng(0))
    for v in range(4):
        want = point(m, codes == v)
        for key, value in want.items():
            assert observed[0][key][v] == pytest.approx(value, rel=1e-9), key


def test_regressor_metrics(mlops_home):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=500), "g": rng.choice(["x", "y"], 500)})
    df["t"] = 2 * df["a"] + rng.normal(size=500)
    reg = LinearRegression().fit(df[["a"]], df["t"])
    ev = mlops.evaluate(reg, data=df, target="t", slices="g", data_name="reg")
    pred = reg.predict(df[["a"]])
    assert ev.metrics["r2"]["value"] == pytest.approx(skm.r2_score(df["t"], pred))
    assert ev.metrics["rmse"]["value"] == pytest.approx(
        np.sqrt(skm.mean_squared_error(df["t"], pred))
    )
    assert ev.metrics["mae"]["low"] < ev.metrics["mae"]["value"] < ev.metrics["mae"]["high"]
    assert ev.residuals["std"] > 0


def test_intervals_repeat_with_a_seed_and_move_with_another(mlops_home, frame, model):
    info = mlops.snapshot(frame, "holdout")
    a = mlops.evaluate(model, info.ref, "churned", ["segment"], seed=7, importance_rows=0)
    again = mlops.evaluate(model, info.ref, "churned", ["segment"], seed=7, importance_rows=0)
    assert again.reused and again.id == a.id
    from jupyter_mlops.evaluation.evaluate import _compute, _options
    from jupyter_mlops.evaluation.inputs import model_input

    opts = _options(
        info,
        "churned",
        ["segment"],
        n_bootstrap=1000,
        seed=7,
        confidence=0.95,
        importance_rows=0,
        importance_repeats=5,
    )
    fresh, _ = _compute(model_input(model), info, opts)
    assert fresh["metrics"] == a.metrics
    other = mlops.evaluate(model, info.ref, "churned", ["segment"], seed=8, importance_rows=0)
    assert not other.reused
    assert other.metrics["accuracy"]["low"] != a.metrics["accuracy"]["low"]


def test_registered_model_evaluation_is_linked_and_reused(mlops_home, frame, model):
    mlops.snapshot(frame, "holdout")
    mlops.register_model("churn", model)
    ev = mlops.evaluate("churn/1", target="churned")
    assert ev.model == "churn/1" and ev.snapshot == "holdout@1"
    assert mlops.evaluate("churn@latest", target="churned").id == ev.id
    assert "<table>" in ev._repr_html_()
    assert ev.figures()[0]["data"][0]["error_y"]["array"][0] > 0


def test_target_missing_from_the_snapshot(mlops_home, frame, model):
    mlops.snapshot(frame.drop(columns="churned"), "holdout")
    with pytest.raises(InvalidArgument, match="target: expected a column of holdout@1"):
        mlops.evaluate(model, target="churned")


def test_slice_column_with_thousands_of_values(mlops_home, frame, model):
    frame["customer"] = [f"c{i}" for i in range(len(frame))]
    mlops.snapshot(frame, "holdout")
    with pytest.raises(InvalidArgument, match="at most 100 distinct values.*2,000"):
        mlops.evaluate(model, target="churned", slices=["customer"])


def test_slice_with_too_few_rows_has_no_interval(mlops_home, frame, model):
    frame.loc[:9, "region"] = "apac"
    mlops.snapshot(frame, "holdout")
    ev = mlops.evaluate(model, target="churned", slices=["region"], importance_rows=0)
    apac = next(r for r in ev.slices["region"] if r["value"] == "apac")
    assert apac["n"] == 10
    acc = apac["metrics"]["accuracy"]
    assert acc["value"] is not None and acc["low"] is None and acc["high"] is None
    assert acc["note"] == "too few rows for an interval (10 < 30)"
    eu = next(r for r in ev.slices["region"] if r["value"] == "eu")
    assert eu["metrics"]["accuracy"]["low"] is not None


def test_model_that_cannot_score_the_columns_names_them(mlops_home, frame, model):
    mlops.snapshot(frame.drop(columns="x2"), "holdout")
    with pytest.raises(InvalidArgument, match="Missing from the data: x2"):
        mlops.evaluate(model, target="churned")


def test_unknown_snapshot(mlops_home, model):
    with pytest.raises(NotFound):
        mlops.evaluate(model, data="nothing@latest", target="churned")


def test_bad_arguments_write_nothing(mlops_home, frame, model):
    mlops.snapshot(frame, "holdout")
    with pytest.raises(InvalidArgument, match="n_bootstrap"):
        mlops.evaluate(model, target="churned", n_bootstrap=5)
    with pytest.raises(InvalidArgument, match="slices: expected columns of holdout@1"):
        mlops.evaluate(model, target="churned", slices=["nope"])
    from jupyter_mlops.store import evaluations, get_store

    assert evaluations.find(get_store(), "x", 1, "y") is None


def test_multiclass_uses_macro_averages(mlops_home, make_frame):
    df = make_frame(900)
    df["label"] = df["segment"]
    clf = LogisticRegression().fit(df[["x1", "x2"]], df["label"])
    ev = mlops.evaluate(clf, data=df, target="label", data_name="mc", importance_rows=0)
    pred, proba = clf.predict(df[["x1", "x2"]]), clf.predict_proba(df[["x1", "x2"]])
    assert ev.metrics["f1"]["value"] == pytest.approx(
        skm.f1_score(df["label"], pred, average="macro")
    )
    assert ev.metrics["roc_auc"]["value"] == pytest.approx(
        skm.roc_auc_score(df["label"], proba, multi_class="ovr")
    )
