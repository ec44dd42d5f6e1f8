"""Snapshot summaries: per-column figures drawn by the core, so the panel draws none of its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

import jupyter_mlops as mlops
from jupyter_mlops.data.summary import column_summary, profile_figure, snapshot_summary


def _frame(n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    cities = [f"city{i}" for i in range(30)]
    return pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "city": rng.choice(cities, n, p=np.r_[[0.5], np.full(29, 0.5 / 29)]),
            "empty": [None] * n,
        }
    )


def test_a_numeric_column_figure_is_its_stored_histogram(store):
    info = mlops.snapshot(_frame(), "people")
    p = mlops.get_profile(info)["age"]
    fig = profile_figure("age", p)
    (bar,) = fig["data"]
    assert bar["type"] == "bar" and fig["layout"]["title"]["text"] == "age"
    assert bar["y"] == list(p.hist[1:-1])
    assert len(bar["x"]) == len(p.edges) - 1
    assert bar["x"][0] == (p.edges[0] + p.edges[1]) / 2


def test_a_categorical_column_figure_shows_top_values_and_the_rest(store):
    info = mlops.snapshot(_frame(), "people")
    p = mlops.get_profile(info)["city"]
    (bar,) = profile_figure("city", p)["data"]
    assert bar["x"][0] == "city0" and len(bar["x"]) == 21 and bar["x"][-1] == "(other)"
    assert sum(bar["y"]) == p.count - p.nulls


def test_summary_of_every_column_carries_its_figure_or_none(store):
    info = mlops.snapshot(_frame(), "people")
    detail = snapshot_summary(info.ref)
    columns = detail["profile"]["columns"]
    assert columns["age"]["figure"]["layout"]["title"]["text"] == "age"
    assert columns["city"]["figure"]["layout"]["title"]["text"] == "city"
    assert columns["empty"]["figure"] is None and columns["empty"]["kind"] == "null"
    assert detail["snapshot"]["ref"] == info.ref and detail["runs"] == []
    summary = column_summary("age", mlops.get_profile(info)["age"])
    assert set(summary["quantiles"]) == {"p5", "p25", "p50", "p75", "p95"}


def test_summary_carries_the_expectations_inferred_or_saved(store):
    info = mlops.snapshot(_frame(), "people-exp")
    inferred = snapshot_summary(info.ref)["expectations"]
    assert inferred["saved"] is False and "age" in inferred["columns"]
    mlops.expectations_from(info.ref)
    assert snapshot_summary(info.ref)["expectations"]["saved"] is True
