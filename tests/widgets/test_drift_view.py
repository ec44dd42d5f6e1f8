"""The drift view: verdict on top, columns by score, the selected column's distributions."""

from __future__ import annotations

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.widgets.drift_view import scored_columns
from jupyter_mlops.widgets.static import PLOTLY_MIME


def test_verdict_on_top_then_columns_by_score_then_distributions(drift_snapshots):
    view = mlops.widgets.drift(*drift_snapshots)
    assert view.children[0] is view.verdict
    assert "no drift" in view.verdict.value and 'class="verdict good"' in view.verdict.value
    assert "5 of 20 columns drifted" in view.verdict.value
    scores = list(view.scores["score"])
    assert scores == sorted(scores, reverse=True)
    assert set(view.scores["column"][:5]) == {"num0", "num1", "num2", "num3", "cat0"}
    assert view.table.value.index("num0") < view.table.value.index("num10")
    assert "background:#" in view.table.value  # the colour scale
    assert view.column == view.scores["column"][0]
    assert view.figure["layout"]["barmode"] == "overlay"
    assert len(view.figure["data"]) == 2


def test_selecting_a_column_draws_its_distributions(drift_snapshots):
    view = mlops.widgets.drift(*drift_snapshots)
    before = view.figure
    view.column_box.value = "cat3"
    assert view.figure != before
    assert view.figure["layout"]["title"]["text"].startswith("cat3")
    assert view.plot.outputs[0]["data"][PLOTLY_MIME]["data"] == view.figure["data"]
    with pytest.raises(InvalidArgument, match="column"):
        view.select("nope")


def test_a_report_can_be_shown_as_is(drift_snapshots):
    report = mlops.drift(*drift_snapshots)
    view = mlops.widgets.drift(report, column="num5")
    assert view.report is report and view.column == "num5"
    with pytest.raises(InvalidArgument):
        mlops.widgets.drift(report, "current@latest")


def test_snapshots_with_no_column_in_common(mlops_home):
    mlops.snapshot(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), "left")
    mlops.snapshot(pd.DataFrame({"b": ["x", "y", "z"]}), "right")
    view = mlops.widgets.drift("left@latest", "right@latest")
    assert view.column is None and view.column_box.disabled
    assert "no column in common" in view.notice.value
    assert view.figure["data"] == []
    assert "no column in common" in view._repr_mimebundle_()["text/html"]
    assert list(view.scores["column"]) == ["a", "b"]


def test_schema_changes_rank_first(mlops_home):
    ref = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 50, "gone": 1.0})
    cur = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 50})
    rows = scored_columns(mlops.drift(ref, cur, missing="drift"))
    assert rows["column"].iloc[0] == "gone" and rows["score"].iloc[0] == 10.0
    rows = scored_columns(mlops.drift(ref, cur))  # only reported: no score, listed last
    assert rows["column"].iloc[-1] == "gone" and pd.isna(rows["score"].iloc[-1])


def test_verdict_states_the_rule_and_columns_only_in_the_reference(mlops_home):
    ref = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 50, "target": 1.0})
    cur = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 50})
    view = mlops.widgets.drift(ref, cur)
    assert "0 of 1 columns drifted, dataset drift needs 50%" in view.verdict.value
    assert "only in reference (not counted): target" in view.verdict.value


def test_static_bundle_has_verdict_table_and_figure(drift_snapshots):
    bundle = mlops.widgets.drift(*drift_snapshots).static()._repr_mimebundle_()
    assert "columns drifted" in bundle["text/html"]
    assert bundle[PLOTLY_MIME]["layout"]["barmode"] == "overlay"
