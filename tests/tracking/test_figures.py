"""Plain plotly figure dicts of runs: curves and latest-metric comparison."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.tracking import figures


def _history(values):
    return pd.DataFrame(
        {
            "step": range(len(values)),
            "timestamp": pd.to_datetime(range(len(values)), unit="s", utc=True),
            "value": values,
        }
    )


def test_curves_one_trace_per_run_and_metric_and_plain_json():
    fig = figures.curves_figure(
        {"a" * 32: {"loss": _history([1.0, math.nan, 0.5])}, "b" * 32: {"loss": _history([2.0])}},
        {"a" * 32: "first"},
    )
    assert [t["name"] for t in fig["data"]] == ["first", "bbbbbbbb"]
    assert fig["data"][0]["y"] == [1.0, None, 0.5]
    assert fig["data"][0]["line"]["color"] != fig["data"][1]["line"]["color"]
    json.dumps(fig, allow_nan=False)


def test_long_histories_are_thinned_keeping_the_ends():
    fig = figures.curves_figure({"r" * 32: {"m": _history(list(range(10_000)))}}, max_points=100)
    ys = fig["data"][0]["y"]
    assert len(ys) <= 100 and ys[0] == 0 and ys[-1] == 9999


def test_nothing_selected_gives_an_explanatory_empty_figure():
    fig = figures.curves_figure({})
    assert fig["data"] == [] and "select runs" in fig["layout"]["annotations"][0]["text"]
    with pytest.raises(InvalidArgument, match="x"):
        figures.curves_figure({}, x="epoch")


def test_metric_curves_and_comparison_from_the_store(mlops_home):
    ids = []
    for i in range(2):
        with mlops.start_run(f"r{i}") as run:
            for s in range(3):
                run.log_metric("loss", 1.0 / (s + 1 + i), step=s)
            run.log_metric("acc", 0.5 + i / 10)
        ids.append(run.id)
    fig = figures.metric_curves(ids, ["loss"])
    assert len(fig["data"]) == 2 and fig["data"][0]["x"] == [0, 1, 2]
    assert fig["data"][0]["name"].startswith("r0 (")
    both = figures.metric_curves(ids)
    assert {t["meta"]["metric"] for t in both["data"]} == {"acc", "loss"}
    comp = figures.run_comparison(ids)
    assert [t["name"] for t in comp["data"]] == ["acc", "loss"]
    assert comp["data"][0]["x"] == [0.5, 0.6]
    json.dumps(comp, allow_nan=False)
