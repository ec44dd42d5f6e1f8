"""Monitors through the real server: list, show with figure, history, run, a model's windows."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from tests.monitor.conftest import Clock
from tests.monitor.monitor_helpers import reference, rows, serve


@pytest.fixture
def watched(mlops_home):
    from sklearn.linear_model import LogisticRegression

    train = rows(0, 200)
    model = LogisticRegression().fit(train, (train.a > 0).astype(int))
    mlops.register_model("clf", model)
    mlops.set_alias("clf", "production", 1)
    reference()
    mlops.monitor("churn", model="clf@production", reference="train@latest")
    serve(model, Clock(), [rows(1), rows(2, shift=2.0)])
    return model


async def test_list_show_run_history(api, watched):
    status, body = await api("monitors")
    assert status == 200 and [m["name"] for m in body["monitors"]] == ["churn"]
    status, body = await api("monitors/churn/run", method="POST")
    assert status == 200 and body["alerted"] is True
    assert [c["verdict"] for c in body["checks"]] == ["ok", "alert"]
    status, body = await api("monitors/churn")
    assert status == 200 and body["monitor"]["n_alerts"] == 1
    assert [c["verdict"] for c in body["checks"]] == ["ok", "alert"]
    assert body["figure"]["data"][-1]["type"] == "heatmap"
    status, body = await api("monitors/churn/history", params={"limit": "1"})
    assert status == 200 and [c["verdict"] for c in body["checks"]] == ["alert"]


async def test_model_monitoring_shows_windows_and_last_alert(api, watched):
    status, body = await api("monitoring/clf")
    assert status == 200 and len(body["windows"]) == 2 and body["last_alert"] is None
    await api("monitors/churn/run", method="POST")
    status, body = await api("monitoring/clf", params={"windows": "1"})
    assert len(body["windows"]) == 1
    assert body["last_alert"]["monitor"] == "churn"
    assert "input columns drifted" in body["last_alert"]["reasons"][0]


async def test_unknown_monitor_is_404_and_bad_limit_400(api, mlops_home):
    status, body = await api("monitors/nope")
    assert status == 404 and "nope" in body["message"]
    status, _ = await api("monitors/nope/run", method="POST")
    assert status == 404
    status, body = await api("monitors", params={"model": "bad name"})
    assert status == 400
