"""Snapshots (list, detail with profile) and drift through the real server."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops


@pytest.fixture
def snaps(mlops_home):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 500), "c": rng.choice(["a", "b"], 500)})
    cur = pd.DataFrame({"x": rng.normal(3, 1, 500), "c": rng.choice(["a", "b"], 500)})
    return mlops.snapshot(ref, "train", run=False), mlops.snapshot(cur, "train", run=False)


async def test_snapshots_list_newest_first(api, snaps):
    status, body = await api("snapshots")
    assert status == 200
    assert [s["ref"] for s in body["snapshots"]] == ["train@2", "train@1"]
    status, body = await api("snapshots", params={"latest": "1"})
    assert [s["ref"] for s in body["snapshots"]] == ["train@2"]


async def test_snapshot_detail_with_profile(api, snaps):
    status, body = await api("snapshots/train@1")
    assert status == 200
    assert body["snapshot"]["n_rows"] == 500
    x = body["profile"]["columns"]["x"]
    assert x["kind"] == "numeric"
    assert abs(x["mean"]) < 0.2 and 0.8 < x["std"] < 1.2
    assert x["quantiles"]["p5"] < x["quantiles"]["p50"] < x["quantiles"]["p95"]
    assert sum(x["hist"]) == 500 and len(x["hist"]) == len(x["edges"]) + 1
    c = body["profile"]["columns"]["c"]
    assert c["kind"] == "categorical" and {v for v, _ in c["top"]} == {"a", "b"}
    assert "kll" not in x  # the sketches stay on the server


async def test_snapshot_unknown_is_404(api, snaps):
    status, body = await api("snapshots/nope@1")
    assert status == 404
    assert "nope" in body["message"]


async def test_drift_report_and_figures(api, snaps):
    status, body = await api("drift", params={"reference": "train@1", "current": "train@2"})
    assert status == 200
    assert body["drifted"] is True
    drifted = {r["column"]: r["drifted"] for r in body["columns"]}
    assert drifted["x"] is True and drifted["c"] is False
    (bars,) = body["figure"]["data"]  # the core's overview: one bar per column
    assert bars["y"] == ["x", "c"] and body["column"] is None
    status, body = await api(
        "drift", params={"reference": "train@1", "current": "train@2", "column": "x"}
    )
    assert status == 200
    assert body["column"] == "x"
    figure = body["figure"]  # reference and current distributions of x, on x's bins
    assert figure["layout"]["title"]["text"].startswith("x: drifted")
    assert [t["name"] for t in figure["data"]] == ["reference (train@1)", "current (train@2)"]
    labels = figure["data"][0]["x"]
    assert labels[0].startswith("< ") and labels[-1].startswith("> ") and len(labels) > 3
    assert sum(figure["data"][0]["y"]) == pytest.approx(1.0)
    status, body = await api(
        "drift", params={"reference": "train@1", "current": "train@2", "column": "c"}
    )
    assert body["column"] == "c"
    assert body["figure"]["layout"]["title"]["text"].startswith("c: no drift")
    assert sorted(body["figure"]["data"][0]["x"]) == ["a", "b"]


async def test_drift_bad_parameters(api, snaps):
    status, body = await api("drift", params={"reference": "train@1"})
    assert status == 400 and "current" in body["message"]
    status, body = await api(
        "drift", params={"reference": "train@1", "current": "train@2", "column": "zz"}
    )
    assert status == 400 and "column" in body["message"]
    status, body = await api("drift", params={"reference": "train@1", "current": "other@1"})
    assert status == 404
