"""Figures are plain plotly dicts that plotly accepts."""

from __future__ import annotations

import json

import plotly.graph_objects as go

import jupyter_mlops as mlops
from jupyter_mlops.data.figures import drift_score

from .conftest import make_frame


def test_overview_and_column_figures_are_valid_plotly():
    r = mlops.drift(make_frame(3000, seed=1), make_frame(3000, seed=2, shift=1.0))
    overview = r.figure()
    json.dumps(overview)
    fig = go.Figure(overview)
    assert list(fig.data[0].y) == ["x", "y", "city", "flag", "when"]
    assert fig.data[0].x[0] > 1 and fig.data[0].x[1] < 1  # x drifted, y not
    for col in ("x", "city", "when"):
        d = r.figure(col)
        json.dumps(d)
        f = go.Figure(d)
        assert len(f.data) == 2 and col in f.layout.title.text
        assert abs(sum(f.data[0].y) - 1) < 1e-9


def test_many_categories_are_folded():
    import pandas as pd

    a = pd.DataFrame({"c": [f"k{i % 80}" for i in range(4000)]})
    r = mlops.drift(a, a)
    d = r.figure("c")
    assert len(d["data"][0]["x"]) == 30 and d["data"][0]["x"][-1] == "(51 more)"


def test_drift_score():
    assert drift_score("wasserstein", 0.2, 0.1) == 2.0
    assert drift_score("ks", 0.5, 0.05) == 0.1
    assert drift_score("ks", 0.0, 0.05) == 10.0
    assert drift_score("skipped", float("nan"), float("nan")) == 0.0


def test_column_legend_sits_above_the_plot_not_on_the_bin_labels():
    r = mlops.drift(make_frame(3000, seed=1), make_frame(3000, seed=2, shift=1.0))
    layout = r.figure("x")["layout"]
    legend = layout["legend"]
    assert legend["orientation"] == "h" and legend["yanchor"] == "bottom" and legend["y"] >= 1
    assert layout["margin"]["t"] >= 90  # the title above the legend
    assert layout["xaxis"]["automargin"] is True


def test_overview_title_carries_the_rule_with_room_for_it():
    r = mlops.drift(make_frame(3000, seed=1), make_frame(3000, seed=2, shift=1.0))
    layout = r.figure()["layout"]
    assert r.rule in layout["title"]["text"] and layout["margin"]["t"] >= 80
