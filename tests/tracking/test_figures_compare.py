"""Comparison figures of the Compare page: parallel coordinates, scatter, smoothing."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.tracking import figures


def _runs(store) -> list[str]:
    ids = []
    for i, (lr, model) in enumerate([(0.1, "rf"), (0.2, "lr"), (0.3, "rf")]):
        with mlops.start_run(f"r{i}") as run:
            mlops.log_params({"lr": lr, "model": model, "seed": 1})
            mlops.log_metric("acc", 0.5 + i / 10)
        ids.append(run.id)
    return ids


def test_parallel_coordinates_has_the_differing_params_then_the_metric(store):
    ids = _runs(store)
    fig = figures.parallel_coordinates(ids, "acc")
    dims = fig["data"][0]["dimensions"]
    assert [d["label"] for d in dims] == ["lr", "model", "acc"]  # seed is the same everywhere
    assert dims[0]["values"] == [0.1, 0.2, 0.3]
    assert dims[1]["ticktext"] == ["rf", "lr"] and dims[1]["values"] == [0, 1, 0]
    assert dims[2]["values"] == pytest.approx([0.5, 0.6, 0.7])


def test_scatter_of_a_param_against_a_metric(store):
    ids = _runs(store)
    fig = figures.runs_scatter(ids, "params.lr", "metrics.acc")
    trace = fig["data"][0]
    assert trace["x"] == [0.1, 0.2, 0.3] and trace["y"] == pytest.approx([0.5, 0.6, 0.7])
    assert fig["layout"]["xaxis"]["title"]["text"] == "params.lr"
    with pytest.raises(InvalidArgument, match="field"):
        figures.runs_scatter(ids, "lr", "metrics.acc")


def test_smoothing_adds_a_moving_average_over_the_faded_curve():
    fig = {"data": [{"type": "scatter", "x": [0, 1, 2], "y": [0.0, 1.0, None]}]}
    out = figures.smoothed(fig, 0.5)
    raw, smooth = out["data"]
    assert raw["opacity"] == 0.3
    assert smooth["y"] == [0.0, 0.5, None]
    assert figures.smoothed(fig, 0) is fig
    with pytest.raises(InvalidArgument, match="smoothing"):
        figures.smoothed(fig, 1.0)
