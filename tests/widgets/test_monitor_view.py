"""The monitor view: verdict and terms, the history figure, the alerting windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import NotFound
from jupyter_mlops.widgets.static import PLOTLY_MIME
from tests.monitor.monitor_helpers import reference, rows, serve


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def watched(store):
    """Monitor ``churn`` on ``clf@production`` and the fitted classifier."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    model = LogisticRegression().fit(X, (X.a > 0).astype(int))
    mlops.register_model("clf", model)
    mlops.set_alias("clf", "production", 1)
    reference()
    mlops.monitor("churn", model="clf@production", reference="train@latest",
                  drift={"share": 0.5}, performance={"accuracy": ">= 0.9"})  # fmt: skip
    return model


def test_a_shifted_window_shows_in_the_figure_and_the_alerts(watched):
    serve(watched, Clock(), [rows(1), rows(2, shift=1.5)])
    run = mlops.run_monitor("churn")
    quiet, shifted = run.checks
    view = mlops.widgets.monitor("churn")
    assert "2 windows checked, 1 alerting" in view.verdict.value
    assert 'class="verdict bad"' in view.verdict.value
    terms = "clf@production against train@latest; drift share &gt;= 50%; accuracy &gt;= 0.9"
    assert terms in view.verdict.value
    names = [t["name"] for t in view.figure["data"]]
    assert names[0] == "drift share" and "drift score" in names
    heatmap = view.figure["data"][-1]
    assert heatmap["type"] == "heatmap" and sorted(heatmap["y"]) == ["a", "b"]
    assert heatmap["customdata"][0] == [quiet.window_id, shifted.window_id]
    assert shifted.window_id in view.alerts.value and quiet.window_id not in view.alerts.value
    assert "2 of 2 input columns drifted" in view.alerts.value
    assert view.plot.outputs[0]["data"][PLOTLY_MIME]["data"] == view.figure["data"]


def test_static_html_keeps_the_figure_and_the_alert_rows(watched):
    serve(watched, Clock(), [rows(1, shift=2.0)])
    mlops.run_monitor("churn")
    bundle = mlops.widgets.monitor("churn")._repr_mimebundle_()
    assert bundle[PLOTLY_MIME]["data"][-1]["type"] == "heatmap"
    assert "1 windows checked, 1 alerting" in bundle["text/html"]
    assert "2 of 2 input columns drifted" in bundle["text/html"]
    static = mlops.widgets.monitor("churn").static()._repr_mimebundle_()
    assert "<table>" in static["text/html"] and static[PLOTLY_MIME]["layout"]["height"] == 720


def test_no_window_checked_yet_and_refresh(watched):
    view = mlops.widgets.monitor("churn")
    assert "no window checked yet" in view.verdict.value and "no alert" in view.alerts.value
    assert view.figure["data"] == []
    serve(watched, Clock(), [rows(1)])
    mlops.run_monitor("churn")
    view.refresh_button.click()
    assert "1 windows checked, 0 alerting" in view.verdict.value
    assert 'class="verdict good"' in view.verdict.value
    mlops.delete_monitor("churn")
    view.refresh_button.click()
    assert 'class="verdict bad"' in view.verdict.value and "churn" in view.verdict.value


def test_an_unknown_monitor_is_refused(store):
    with pytest.raises(NotFound, match="nope"):
        mlops.widgets.monitor("nope")
