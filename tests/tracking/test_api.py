"""The tracking API on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import Conflict, InvalidArgument, NoActiveRun, NotFound


def test_run_lifecycle(any_store):
    with mlops.start_run(
        "lifecycle", experiment="exp", params={"alpha": 0.5}, tags={"team": "a"}
    ) as run:
        assert mlops.active_run() is run
        mlops.log_param("model", "ridge")
        mlops.log_metric("loss", 1.0)
        mlops.log_metric("loss", 0.5)
        mlops.log_metrics({"acc": 0.9, "f1": 0.8}, step=3)
        mlops.set_tag("team", "b")
    assert mlops.active_run() is None
    data = mlops.get_run(run.id)
    assert data.info.status == "FINISHED"
    assert data.info.experiment == "exp"
    assert data.info.end_time >= data.info.start_time
    assert data.params == {"alpha": "0.5", "model": "ridge"}
    assert data.metrics == {"acc": 0.9, "f1": 0.8, "loss": 0.5}
    assert data.tags == {"team": "b"}
    hist = mlops.get_metric_history(run.id, "loss")
    assert list(hist.columns) == ["step", "timestamp", "value"]
    assert hist["step"].tolist() == [0, 1]
    assert hist["value"].tolist() == [1.0, 0.5]
    assert str(hist["timestamp"].dtype) == "datetime64[ns, UTC]"


def test_exception_ends_run_failed_with_traceback(any_store):
    with pytest.raises(ZeroDivisionError):
        with mlops.start_run("boom") as run:
            mlops.log_metric("before", 1)
            1 / 0  # noqa: B018
    data = mlops.get_run(run.id)
    assert data.info.status == "FAILED"
    assert "ZeroDivisionError" in data.info.error
    assert "Traceback" in data.info.error
    assert data.metrics == {"before": 1.0}


def test_params_are_immutable_and_nothing_half_written(any_store):
    with mlops.start_run("p") as run:
        mlops.log_param("lr", 0.1)
        mlops.log_param("lr", 0.1)  # same value again is fine
        with pytest.raises(Conflict, match="immutable"):
            mlops.log_params({"new": 1, "lr": 0.2})
    assert mlops.get_run(run.id).params == {"lr": "0.1"}


def test_nan_and_infinity_roundtrip(any_store):
    with mlops.start_run("nan") as run:
        mlops.log_metrics({"nan": float("nan"), "pinf": float("inf"), "ninf": float("-inf")})
    m = mlops.get_run(run.id).metrics
    assert math.isnan(m["nan"]) and m["pinf"] == math.inf and m["ninf"] == -math.inf
    assert math.isnan(mlops.get_metric_history(run.id, "nan")["value"][0])
    frame = mlops.search_runs()
    assert math.isnan(frame.loc[0, "metrics.nan"]) and frame.loc[0, "metrics.pinf"] == math.inf


def test_latest_value_is_the_highest_step_across_flushes(any_store):
    with mlops.start_run("latest") as run:
        mlops.log_metric("loss", 0.3, step=5)
        mlops.log_metric("loss", 0.9, step=1)
        run.log_metrics({"loss": 0.2, "acc": float("nan")}, step=5, timestamp=2e9)
        run.flush()
        mlops.log_metric("loss", 0.1, step=2)  # a lower step, later: not the latest
        run.flush()
        assert mlops.get_run(run.id).metrics["loss"] == 0.2
        mlops.log_metric("acc", 0.7, step=0)
    data = mlops.get_run(run.id)
    assert data.metrics["loss"] == 0.2 and math.isnan(data.metrics["acc"])
    hist = mlops.get_metric_history(run.id, "loss")
    assert hist["step"].tolist() == [1, 2, 5, 5]
    assert hist["value"].tolist() == [0.9, 0.1, 0.3, 0.2]


@pytest.mark.parametrize(
    "value",
    ["0.5", None, [1], {"a": 1}, object()],
    ids=["numeric-string", "none", "list", "dict", "object"],
)
def test_non_numeric_metric_values_refused(mlops_home, value):
    with mlops.start_run("bad") as run:
        with pytest.raises(InvalidArgument, match=r"metric 'm': expected a real number"):
            mlops.log_metric("m", value)
        with pytest.raises(InvalidArgument):
            mlops.log_metrics({"ok": 1.0, "m": value})
    assert mlops.get_run(run.id).metrics == {}


def test_numpy_scalars_are_numbers(mlops_home):
    import numpy as np

    with mlops.start_run("np") as run:
        mlops.log_metrics(
            {"f32": np.float32(0.5), "i64": np.int64(3), "b": True, "arr0": np.array(2.0)}
        )
    assert mlops.get_run(run.id).metrics == {"arr0": 2.0, "b": 1.0, "f32": 0.5, "i64": 3.0}


@pytest.mark.parametrize(
    "key",
    [
        "",
        "   ",
        "a\\b",
        "/lead",
        "trail/",
        "a//b",
        "../x",
        "a/../b",
        "tab\there",
        "nl\nx",
        "nul\x00",
        "x" * 251,
        5,
    ],
)
def test_bad_keys_refused(mlops_home, key):
    with mlops.start_run("keys") as run:
        with pytest.raises(InvalidArgument, match="key"):
            mlops.log_metric(key, 1.0)
        with pytest.raises(InvalidArgument, match="key"):
            mlops.log_param(key, 1)
    assert mlops.get_run(run.id).metrics == {}


def test_grouped_keys_allowed(mlops_home):
    with mlops.start_run("groups") as run:
        mlops.log_metric("train/loss", 0.1)
        mlops.log_metric("val:loss v2", 0.2)
    assert set(mlops.get_run(run.id).metrics) == {"train/loss", "val:loss v2"}


def test_overlong_param_values_refused(mlops_home):
    with mlops.start_run("long") as run:
        mlops.log_param("ok", "x" * 6000)
        with pytest.raises(InvalidArgument, match="at most 6000 characters"):
            mlops.log_param("too_long", "x" * 6001)
    assert set(mlops.get_run(run.id).params) == {"ok"}


@pytest.mark.parametrize("step", [-1, 1.5, "3", True])
def test_bad_steps_refused(mlops_home, step):
    with mlops.start_run("steps"):
        with pytest.raises(InvalidArgument, match="step"):
            mlops.log_metric("m", 1.0, step=step)


def test_unknown_run_ids(any_store):
    with pytest.raises(NotFound, match="does not exist"):
        mlops.get_run("0" * 32)
    with pytest.raises(NotFound):
        mlops.get_metric_history("nope-nope", "loss")
    with pytest.raises(NotFound):
        mlops.load_artifact("f" * 32, "x")


def test_logging_without_a_run_says_what_to_do(mlops_home):
    with pytest.raises(NoActiveRun, match="start_run"):
        mlops.log_metric("m", 1)
    with pytest.raises(NoActiveRun):
        mlops.end_run()


def test_logging_to_an_ended_run_is_refused(mlops_home):
    run = mlops.start_run("ended")
    run.end()
    with pytest.raises(mlops.MlopsError, match="has ended"):
        run.log_metric("m", 1)


def test_nested_runs_are_children(mlops_home):
    with mlops.start_run("parent") as parent:
        with mlops.start_run("child") as child:
            assert mlops.active_run() is child
        assert mlops.active_run() is parent
        with mlops.start_run("sibling", parent=None) as free:
            pass
    assert mlops.get_run(child.id).info.parent_run_id == parent.id
    assert mlops.get_run(free.id).info.parent_run_id is None


def test_artifacts_bytes_files_and_folders(any_store, tmp_path):
    f = tmp_path / "report.txt"
    f.write_text("hello")
    folder = tmp_path / "plots"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_text("x\n1\n")
    (folder / "sub" / "b.json").write_text("{}")
    with mlops.start_run("arts") as run:
        mlops.log_artifact(b"raw", "raw.bin")
        mlops.log_artifact(f)
        mlops.log_artifact(folder)
        mlops.log_artifact(b"raw", "raw.bin")  # same content again is fine
        with pytest.raises(Conflict, match="immutable"):
            mlops.log_artifact(b"other", "raw.bin")
        with pytest.raises(InvalidArgument, match="existing file"):
            mlops.log_artifact(tmp_path / "missing.txt")
        with pytest.raises(InvalidArgument, match="name"):
            mlops.log_artifact(b"no name")
    names = [a.name for a in mlops.list_artifacts(run.id)]
    assert names == ["plots/a.csv", "plots/sub/b.json", "raw.bin", "report.txt"]
    assert mlops.load_artifact(run.id, "report.txt") == b"hello"
    out = mlops.download_artifact(run.id, "plots/a.csv", tmp_path / "dl")
    assert out.read_text() == "x\n1\n"
    with pytest.raises(NotFound, match="has no artifact 'nope'"):
        mlops.load_artifact(run.id, "nope")


def _blob_files(store) -> set[str]:
    return {p.name for p in Path(store.blobs.root).rglob("*") if p.is_file()}


def test_folder_with_a_bad_name_deep_inside_stores_nothing(store, tmp_path):
    folder = tmp_path / "out"
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "a.txt").write_text("first")
    (folder / "b.txt").write_text("second")
    (folder / "deep" / "er" / "bad*name.txt").write_text("third")
    with mlops.start_run("atomic") as run:
        before = _blob_files(store)
        with pytest.raises(InvalidArgument, match="name") as err:
            mlops.log_artifact(folder)
        assert "bad*name.txt" in str(err.value)
        assert mlops.list_artifacts(run.id) == []
        assert _blob_files(store) == before


def test_folder_clashing_with_an_artifact_stores_nothing(store, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.txt").write_text("new a")
    (folder / "z.txt").write_text("new z")
    with mlops.start_run("clash") as run:
        mlops.log_artifact(b"old z", "out/z.txt")
        before = _blob_files(store)
        with pytest.raises(Conflict, match="out/z.txt"):
            mlops.log_artifact(folder)
        assert [a.name for a in mlops.list_artifacts(run.id)] == ["out/z.txt"]
        assert _blob_files(store) == before
        (folder / "z.txt").write_text("old z")  # the same content again is fine
        assert [a.name for a in mlops.log_artifact(folder)] == ["out/a.txt", "out/z.txt"]


def test_run_id_prefix(mlops_home):
    with mlops.start_run("prefix") as run:
        pass
    assert mlops.get_run(run.id[:8]).info.run_id == run.id


def test_start_run_bad_arguments(mlops_home):
    with pytest.raises(InvalidArgument, match="name"):
        mlops.start_run("")
    with pytest.raises(InvalidArgument, match="experiment"):
        mlops.start_run("x", experiment="a\\b")
    with pytest.raises(InvalidArgument, match="param key"):
        mlops.start_run("x", params={"": 1})
    assert mlops.search_runs(children=True).empty
    assert mlops.active_run() is None


def test_search_runs(any_store):
    for i, model in enumerate(["rf", "rf", "lr", "svm"]):
        with mlops.start_run(
            f"r{i}", experiment="search" if i < 3 else "other", params={"model": model, "n": i}
        ):
            mlops.log_metric("acc", 0.5 + i / 10)
    failed = mlops.start_run("failed", experiment="search")
    failed.end("FAILED")
    frame = mlops.search_runs(experiment="search")
    assert len(frame) == 4 and "run_id" in frame.columns
    assert frame["name"].tolist()[0] == "failed"  # newest first
    got = mlops.search_runs(filter="metrics.acc >= 0.6 and params.model = 'rf'")
    assert got["name"].tolist() == ["r1"]
    got = mlops.search_runs(filter="params.n > 1")
    assert sorted(got["name"]) == ["r2", "r3"]
    got = mlops.search_runs(filter="status IN ('failed', 'KILLED')")
    assert got["name"].tolist() == ["failed"]
    got = mlops.search_runs(filter={"params.model": "lr"})
    assert got["name"].tolist() == ["r2"]
    got = mlops.search_runs(order_by="metrics.acc DESC", limit=2)
    assert got["name"].tolist() == ["r3", "r2"]
    got = mlops.search_runs(order_by=["metrics.acc ASC"], limit=2, offset=1)
    assert got["name"].tolist() == ["r1", "r2"]
    got = mlops.search_runs(filter="name LIKE 'r%'", experiment=["search", "other"])
    assert len(got) == 4
    assert isinstance(mlops.search_runs(filter="metrics.acc > 5"), pd.DataFrame)
    assert mlops.search_runs(filter="metrics.acc > 5").empty
    with pytest.raises(NotFound, match="experiment 'nope'"):
        mlops.search_runs(experiment="nope")


@pytest.mark.parametrize(
    "bad",
    [
        "metrics.acc >",
        "acc > 1",
        "metrics.acc > 1 or params.x = 'a'",
        "metrics.acc LIKE 'a'",
        "params.x = 'a' garbage",
        "metrics.acc > 'x'",
        "colour = 'red'",
    ],
)
def test_search_filter_errors_name_the_filter(mlops_home, bad):
    with pytest.raises(InvalidArgument, match="^filter"):
        mlops.search_runs(filter=bad)


def test_search_sees_unflushed_points(mlops_home):
    with mlops.start_run("live") as run:
        mlops.log_metric("m", 3.0)
        frame = mlops.search_runs()
        assert frame.loc[0, "metrics.m"] == 3.0
        assert mlops.get_run(run.id).metrics == {"m": 3.0}


def test_count_runs_for_paging(any_store):
    for i in range(5):
        with mlops.start_run(f"c{i}", experiment="count", params={"i": i}):
            pass
    assert mlops.count_runs() == 5
    assert mlops.count_runs(experiment="count", filter="params.i >= 3") == 2
    pages = [mlops.search_runs(limit=2, offset=o)["name"].tolist() for o in (0, 2, 4)]
    assert pages == [["c4", "c3"], ["c2", "c1"], ["c0"]]


def test_tags_on_any_run_by_id_after_it_ended(any_store):
    with mlops.start_run("tagged", experiment="exp", tags={"team": "a"}) as run:
        pass
    with mlops.start_run("other", experiment="exp") as other:
        pass
    tags = mlops.set_run_tags(run.id[:8], {"review": "ok", "team": "b"})  # a unique prefix works
    assert tags == {"review": "ok", "team": "b"} == mlops.get_run(run.id).tags
    mlops.set_tags({"label": 3}, run_id=run.id)
    mlops.set_tag("checked", True, run_id=run.id)
    assert mlops.get_run(run.id).tags == {
        "review": "ok",
        "team": "b",
        "label": "3",
        "checked": "True",
    }
    assert mlops.get_run(other.id).tags == {}
    assert mlops.active_run() is None  # no run was opened to set them


def test_tags_by_id_refuse_bad_input_and_write_nothing(any_store):
    with mlops.start_run("tagged", experiment="exp") as run:
        pass
    for tags, argument in [("x", "tags"), ({}, "tags"), ({"ok": 1, "bad\\key": "v"}, "tag key")]:
        with pytest.raises(InvalidArgument, match=argument):
            mlops.set_run_tags(run.id, tags)
    assert mlops.get_run(run.id).tags == {}
    with pytest.raises(NotFound):
        mlops.set_run_tags("ffffffffffff", {"a": "b"})
    with pytest.raises(NoActiveRun):
        mlops.set_tags({"a": "b"})


def test_store_info_describes_the_store_in_use(any_store):
    info = mlops.store_info()
    assert info.backend == any_store.db.engine.url.get_backend_name()
    assert info.blob_root == str(any_store.blobs.url)
    assert info.read_only is False
    if any_store.db.engine.url.password:
        assert any_store.db.engine.url.password not in info.tracking_uri
    else:
        assert info.tracking_uri == any_store.tracking_uri


def test_run_status_comes_from_the_core():
    from jupyter_mlops.tracking import RunStatus

    assert mlops.RunStatus is RunStatus
    assert RunStatus.parse("finished") is RunStatus.FINISHED
