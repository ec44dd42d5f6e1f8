"""Expectations are inferred, readable, editable and saved; validation reports violations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.data.validate import Expectations
from jupyter_mlops.errors import InvalidArgument

from .conftest import make_frame


def test_inferred_rules(frame):
    exp = mlops.expectations_from(frame)
    x, city, when = exp.rules["x"], exp.rules["city"], exp.rules["when"]
    assert x["type"] == "double" and x["kind"] == "numeric" and x["finite"] is True
    span = frame["x"].max() - frame["x"].min()
    assert x["min"] == pytest.approx(frame["x"].min() - 0.5 * span, rel=1e-5)
    assert x["max"] == pytest.approx(frame["x"].max() + 0.5 * span, rel=1e-5)
    assert x["max_null_rate"] == 0.01
    assert exp.rules["y"]["min"] == 0.0  # non-negative data keeps its floor
    assert city["allowed_values"] == ["oslo", "paris", "rome"]
    assert exp.rules["flag"]["allowed_values"] == [False, True]
    assert isinstance(when["min"], str) and when["min"].startswith("2023-12")
    assert "allowed_values" in exp.to_yaml()
    assert Expectations.from_yaml(exp.to_yaml()).rules == exp.rules
    assert {"column", "rule", "expected"} == set(exp.table().columns)


def test_null_rate_ceiling_has_a_margin():
    df = pd.DataFrame({"a": [1.0, None, 3.0, 4.0]})
    assert mlops.expectations_from(df).rules["a"]["max_null_rate"] == pytest.approx(0.375)


def test_valid_data_passes(store, frame):
    mlops.snapshot(frame, "train")
    report = mlops.validate(make_frame(seed=9), against="train@latest")
    assert report.ok and report.violations.empty
    assert "valid" in report._repr_html_()


def test_violations_are_reported(store, frame):
    mlops.snapshot(frame, "train")
    bad = make_frame(seed=9)
    bad.loc[:4, "x"] = 1e6
    bad.loc[5, "x"] = np.inf
    bad.loc[:99, "y"] = np.nan
    bad.loc[0, "city"] = "atlantis"
    bad["flag"] = bad["flag"].astype(str)  # bool -> text: still categorical
    bad = bad.drop(columns=["when"])
    bad["when"] = "yesterday"  # datetime -> text
    report = mlops.validate(bad, against="train@1")
    assert not report.ok
    v = report.violations
    assert list(v.columns) == ["column", "rule", "observed", "expected"]
    got = set(zip(v["column"], v["rule"]))
    assert got == {
        ("x", "max"),
        ("x", "finite"),
        ("y", "max_null_rate"),
        ("city", "allowed_values"),
        ("flag", "allowed_values"),
        ("when", "type"),
    }
    row = v.set_index(["column", "rule"]).loc[("x", "max")]
    assert row["observed"].startswith("5 rows above")
    assert (
        "'atlantis' (1)"
        in v.set_index(["column", "rule"]).loc[("city", "allowed_values")]["observed"]
    )
    assert "<table" in report._repr_html_()
    assert report.to_dict()["violations"][0]["column"] in {"x", "y", "city", "flag", "when"}


def test_missing_and_extra_columns(store, frame):
    exp = mlops.expectations_from(frame)
    report = mlops.validate(frame.drop(columns=["y"]).assign(extra=1), against=exp)
    assert list(zip(report.violations["column"], report.violations["rule"])) == [("y", "present")]
    exp.allow_extra_columns = False
    report = mlops.validate(frame.assign(extra=1), against=exp)
    assert list(report.violations["rule"]) == ["no_extra_columns"]


def test_expectations_are_saved_and_editable(store, frame):
    info = mlops.snapshot(frame, "train")
    exp = mlops.expectations_from("train@1")
    assert mlops.get_snapshot("train@1").expectations == exp.to_dict()
    exp.rules["x"]["max"] = 1.0
    mlops.save_expectations(info, exp)
    assert mlops.get_expectations("train@1").rules["x"]["max"] == 1.0
    report = mlops.validate(frame, against="train@1")
    assert list(report.violations["rule"]) == ["max"]
    # without saved expectations they are inferred from the profile
    other = mlops.snapshot(make_frame(seed=3), "other")
    assert mlops.get_snapshot(other).expectations is None
    assert mlops.validate(make_frame(seed=4), against="other").ok


def test_validate_a_stored_snapshot_and_dict_rules(store, frame):
    mlops.snapshot(frame, "train")
    rules = {"columns": {"x": {"kind": "numeric", "min": 0}}}
    report = mlops.validate("train@1", against=rules)
    assert list(report.violations["rule"]) == ["min"]


def test_all_null_and_odd_columns(store):
    df = pd.DataFrame({"n": [None] * 4, "x": [1.0, 2.0, 3.0, 4.0]})
    exp = mlops.expectations_from(df)
    assert exp.rules["n"]["max_null_rate"] == 1.0 and exp.rules["n"]["kind"] == "null"
    assert mlops.validate(df, against=exp).ok


def test_bad_arguments(store, frame):
    with pytest.raises(InvalidArgument, match="against"):
        mlops.validate(frame, against=3.5)
    with pytest.raises(InvalidArgument, match="columns"):
        mlops.validate(frame, against={"rules": {}})
    with pytest.raises(InvalidArgument, match="margin"):
        mlops.expectations_from(frame, margin=-1)
