"""Runs, experiments and metric routes through a real jupyter_server (jp_fetch)."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops

from .conftest import seed_runs


async def test_runs_list_newest_first_with_nested_maps(api):
    ids = seed_runs(3)
    status, body = await api("runs")
    assert status == 200
    assert [r["run_id"] for r in body["runs"]] == ids[::-1]
    top = body["runs"][0]
    assert top["name"] == "run-2"
    assert top["experiment"] == "exp"
    assert top["status"] == "FINISHED"
    assert top["params"] == {"i": "2", "model": "lr"}
    assert top["metrics"] == {"acc": 0.2}
    assert isinstance(top["start_time"], float)
    assert body["has_more"] is False and body["next_offset"] is None
    assert body["total"] == 3


async def test_runs_paging_walks_every_run_once(api):
    ids = seed_runs(7)
    seen, offset = [], 0
    while offset is not None:
        status, body = await api("runs", params={"limit": 3, "offset": offset})
        assert status == 200
        assert len(body["runs"]) <= 3
        assert body["total"] == 7
        seen += [r["run_id"] for r in body["runs"]]
        offset = body["next_offset"]
    assert seen == ids[::-1]


async def test_runs_filter_and_sort(api):
    seed_runs(6)
    status, body = await api(
        "runs",
        params={
            "filter": "params.model = 'rf' and metrics.acc > 0.15",
            "order_by": "metrics.acc ASC",
        },
    )
    assert status == 200
    assert [r["name"] for r in body["runs"]] == ["run-3", "run-5"]
    assert body["total"] == 2


async def test_runs_filter_by_experiment(api):
    seed_runs(2, experiment="a")
    seed_runs(1, experiment="b")
    status, body = await api("runs", params={"experiment": "b"})
    assert status == 200
    assert [r["experiment"] for r in body["runs"]] == ["b"]
    status, body = await api("experiments")
    assert status == 200
    assert {e["name"] for e in body["experiments"]} == {"a", "b"}


async def test_bad_parameters_are_400_with_a_message(api, mlops_home):
    for params, argument in [
        ({"limit": "ten"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"filter": "params.x ~ 3"}, "filter"),
        ({"order_by": "nosuchcolumn"}, "filter"),
    ]:
        status, body = await api("runs", params=params)
        assert status == 400, params
        assert body["error"] == "InvalidArgument"
        assert argument in body["message"], body


async def test_unknown_experiment_is_404(api, mlops_home):
    status, body = await api("runs", params={"experiment": "nope"})
    assert status == 404
    assert "nope" in body["message"]


async def test_run_detail_and_prefix(api):
    with mlops.start_run(
        "detail", experiment="exp", params={"lr": 0.1}, capture_context=False
    ) as run:
        run.log_metrics({"loss": 1.0, "acc": 0.5})
        run.set_tag("team", "blue")
        run.log_artifact(b"hello", "notes.txt")
    status, body = await api(f"runs/{run.id[:8]}")
    assert status == 200
    assert body["info"]["run_id"] == run.id
    assert body["info"]["status"] == "FINISHED"
    assert body["params"] == {"lr": "0.1"}
    assert body["metrics"] == {"acc": 0.5, "loss": 1.0}
    assert body["tags"] == {"team": "blue"}
    assert [a["name"] for a in body["artifacts"]] == ["notes.txt"]


async def test_run_not_found_is_404(api, mlops_home):
    status, body = await api("runs/0123456789abcdef")
    assert status == 404
    assert body["error"] == "NotFound"
    assert "0123456789abcdef" in body["message"]


async def test_metric_series(api):
    with mlops.start_run("curve", experiment="exp", capture_context=False) as run:
        for step in range(5):
            run.log_metric("loss", 1 / (step + 1), step=step)
        run.log_metric("loss", float("nan"), step=5)
    status, body = await api(f"runs/{run.id}/metrics/loss")
    assert status == 200
    assert body["steps"] == [0, 1, 2, 3, 4, 5]
    assert body["values"][:2] == [1.0, 0.5]
    assert body["values"][5] is None  # NaN is not valid JSON
    assert len(body["timestamps"]) == 6


async def test_artifact_download(jp_fetch, mlops_home):
    with mlops.start_run("art", experiment="exp", capture_context=False) as run:
        run.log_artifact(b"\x00\x01binary", "blob.bin")
    resp = await jp_fetch("mlops", "api", "runs", run.id, "artifacts", "blob.bin")
    assert resp.code == 200
    assert resp.body == b"\x00\x01binary"
    assert "blob.bin" in resp.headers["Content-Disposition"]


async def test_running_run_is_listed_running(api):
    run = mlops.start_run("live", experiment="exp", capture_context=False)
    try:
        run.log_metric("acc", 0.3)
        run.flush()
        status, body = await api("runs")
        assert status == 200
        assert body["runs"][0]["status"] == "RUNNING"
        assert body["runs"][0]["metrics"] == {"acc": 0.3}
    finally:
        run.end()


async def test_tag_a_finished_run(api):
    run_id = seed_runs(1)[0]
    status, body = await api(f"runs/{run_id}/tags", method="POST", body={"tags": {"review": "ok"}})
    assert status == 200
    assert body["tags"]["review"] == "ok"
    assert mlops.get_run(run_id).tags["review"] == "ok"


async def test_tag_bad_body_is_400(api):
    run_id = seed_runs(1)[0]
    for body, argument in [
        ("not json", "body"),
        ([1, 2], "body"),
        ({"tags": "x"}, "tags"),
        ({"tags": {"bad\\key": "v"}}, "tag key"),
    ]:
        status, reply = await api(f"runs/{run_id}/tags", method="POST", body=body)
        assert status == 400, body
        assert argument in reply["message"]
    assert "bad\\key" not in mlops.get_run(run_id).tags


async def test_metric_series_carries_the_core_figure(api):
    with mlops.start_run("fig", experiment="exp", capture_context=False) as run:
        for step in range(3):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
    status, body = await api(f"runs/{run.id}/metrics/loss")
    assert status == 200
    trace = body["figure"]["data"][0]
    assert trace["x"] == [0, 1, 2]
    assert trace["y"][0] == 1.0


async def test_compare_runs(api):
    runs = []
    for i in range(3):
        with mlops.start_run(f"cmp-{i}", experiment="exp", capture_context=False) as run:
            for step in range(3):
                run.log_metric("acc", i / 10 + step / 100, step=step)
        runs.append(run)
    first, last = runs[0], runs[2]
    asked = [("run_id", first.id), ("run_id", last.id[:10])]  # a unique prefix works
    status, body = await api("compare", params=asked)
    assert status == 200
    assert body["runs"] == [first.id, last.id[:10]]
    curves = body["curves"]["data"]
    assert [t["meta"]["run_id"] for t in curves] == [first.id, last.id]
    assert [t["y"] for t in curves] == [
        pytest.approx([0.0, 0.01, 0.02]),
        pytest.approx([0.2, 0.21, 0.22]),
    ]
    (bars,) = body["latest"]["data"]  # one metric: one row of bars, one bar per run
    assert bars["name"] == "acc"
    assert bars["y"] == [f"cmp-0 ({first.id[:8]})", f"cmp-2 ({last.id[:8]})"]
    assert bars["x"] == pytest.approx([0.02, 0.22])
    status, body = await api("compare", params=[*asked, ("key", "nope")])
    assert status == 200 and body["curves"]["data"] == [] and body["latest"]["data"] == []
    status, body = await api("compare")
    assert status == 400
    assert "run_id" in body["message"]
    status, body = await api("compare", params={"run_id": "ffffffffffff"})
    assert status == 404


async def test_runs_list_top_level_runs_unless_children(api):
    with mlops.start_run("parent", experiment="nest") as parent:
        with mlops.start_run("child") as child:
            pass
    status, body = await api("runs")
    assert status == 200
    assert [(r["run_id"], r["child_runs"]) for r in body["runs"]] == [(parent.id, 1)]
    assert body["total"] == 1
    status, body = await api("runs", params={"children": "true"})
    assert {r["run_id"] for r in body["runs"]} == {parent.id, child.id} and body["total"] == 2
    status, body = await api("runs", params={"children": "maybe"})
    assert status == 400 and "children" in body["message"]
