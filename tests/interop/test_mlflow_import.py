"""Importing from a real MLflow store (made by MLflow itself), compared run by run."""

from __future__ import annotations

import math
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, MlopsError, NotFound
from jupyter_mlops.interop.mlflow_import import RUN_TAG, import_mlflow
from tests.interop.mlflow_source import MlflowSource, make_mlflow_store

pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> MlflowSource:
    return make_mlflow_store(tmp_path_factory.mktemp("mlflow"))


@pytest.fixture
def client(source):
    from mlflow import MlflowClient

    return MlflowClient(source.uri, source.uri)


def _same_number(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _compare_run(client, mlflow_id: str, our_id: str, tmp_path: Path, parent: str | None) -> None:
    theirs = client.get_run(mlflow_id)
    ours = mlops.get_run(our_id)
    assert ours.params == theirs.data.params
    assert ours.info.name == theirs.info.run_name
    assert ours.info.status.value == theirs.info.status
    assert ours.info.user == theirs.info.user_id
    assert ours.info.start_time == pytest.approx(theirs.info.start_time / 1000, abs=1e-3)
    assert ours.info.end_time == pytest.approx(theirs.info.end_time / 1000, abs=1e-3)
    assert ours.info.parent_run_id == parent
    expected_tags = dict(theirs.data.tags)
    if parent is not None:
        assert ours.tags["mlflow.import.parent_run_id"] == expected_tags["mlflow.parentRunId"]
        expected_tags["mlflow.parentRunId"] = parent
    assert ours.tags[RUN_TAG] == mlflow_id
    assert {k: ours.tags[k] for k in expected_tags} == expected_tags
    for key in theirs.data.metrics:
        want = sorted(
            (m.step, m.timestamp / 1000, m.value) for m in client.get_metric_history(mlflow_id, key)
        )
        got = mlops.get_metric_history(our_id, key)
        assert len(got) == len(want) > 0
        for (step, ts, value), row in zip(want, got.itertuples(), strict=True):
            assert row.step == step
            assert row.timestamp.timestamp() == pytest.approx(ts, abs=1e-3)
            assert _same_number(row.value, value)
    download = Path(client.download_artifacts(mlflow_id, "", str(tmp_path / mlflow_id)))
    names = {a.name for a in ours.artifacts}
    for file in (p for p in download.rglob("*") if p.is_file()):
        rel = file.relative_to(download).as_posix()
        if "+" in rel:
            assert rel not in names
            continue
        assert mlops.load_artifact(our_id, rel) == file.read_bytes(), rel


def test_import_copies_runs_metrics_artifacts_and_models_then_adds_nothing(
    source, client, mlops_home, tmp_path
):
    report = import_mlflow(source.uri, ["churn"])
    assert set(report.runs) == {source.parent_id, source.child_id}, report.summary()
    assert set(report.runs) == {source.parent_id, source.child_id}
    parent, child = report.runs[source.parent_id], report.runs[source.child_id]
    _compare_run(client, source.parent_id, parent, tmp_path, None)
    _compare_run(client, source.child_id, child, tmp_path, parent)
    assert report.created["runs"] == 2 and report.created["metric_points"] == 13
    assert report.created["experiments"] == 1 and report.created["model_versions"] == 2

    ours = {e.name for e in mlops.list_experiments()}
    assert "churn" in ours and "other" not in ours  # only the experiment asked for
    from jupyter_mlops.tracking.experiments import get_experiment

    assert get_experiment(name="churn").tags["team"] == "risk"
    # the logged models' files are artifacts of their run
    names = {a.name for a in mlops.get_run(parent).artifacts}
    assert {"model/MLmodel", "model/model.skops", "pickled/MLmodel", "pickled/model.pkl"} <= names

    skipped = {(s.kind, s.what): s.reason for s in report.skipped}
    bad = f"'weird+name.txt' (artifact of parent ({source.parent_id[:8]}))"
    assert "not a valid artifact name" in skipped[("artifact", bad)]
    running = next(r for (k, w), r in skipped.items() if k == "run" and "still-going" in w)
    assert "RUNNING in MLflow" in running and "--include-running" in running
    assert (
        "cloudpickle format is a pickle, not loaded without --trust"
        in (skipped[("loadable model", "churn-model/2")])
    )
    assert ("loadable model", "churn-model/1") not in skipped

    # MLflow's skops file loads on our allow-list: re-registered as a skops version
    champion = mlops.get_model_version("churn-model@champion")
    assert champion.version == 1 and champion.format == "skops" and champion.run_id == parent
    model = mlops.load_model("churn-model@champion")
    assert np.array_equal(model.predict_proba(source.features), source.probabilities)
    # the pickle is never unpickled: its files and metadata are an MLflow-format version
    challenger = mlops.get_model_version("churn-model@challenger")
    assert challenger.version == 2 and challenger.format == "mlflow"
    assert challenger.source == f"runs:/{parent}/pickled"
    with pytest.raises(MlopsError, match="trusted=True"):
        mlops.load_model("churn-model@challenger")
    assert mlops.get_model("churn-model").description == "churn classifier"
    history = mlops.alias_history("churn-model")
    assert sorted(history["alias"]) == ["challenger", "champion"]
    assert set(history["reason"]) == {"imported from MLflow"}

    again = import_mlflow(source.uri, ["churn"])
    assert not again.created_anything and again.runs == {}
    reasons = {(s.kind, s.what): s.reason for s in again.skipped}
    assert (
        reasons[("run", f"parent ({source.parent_id[:8]})")] == f"already imported as {parent[:8]}"
    )
    assert reasons[("model version", "churn-model/2")] == "already imported as churn-model/2"
    assert reasons[("alias", "churn-model@champion")] == "already points at churn-model/1"
    assert "Imported nothing new." in again.summary()
    assert len(mlops.search_runs("churn", children=True)) == 2
    assert len(mlops.list_versions("churn-model")) == 2


def test_trust_re_registers_the_pickled_sklearn_model_as_skops(source, mlops_home):
    report = import_mlflow(source.uri, ["churn"], trust=True)
    assert not [s for s in report.skipped if s.kind == "loadable model"]
    for alias in ("champion", "challenger"):
        version = mlops.get_model_version(f"churn-model@{alias}")
        assert version.format == "skops" and version.run_id == report.runs[source.parent_id]
        model = mlops.load_model(f"churn-model@{alias}")  # skops now: no trust needed
        assert np.array_equal(model.predict_proba(source.features), source.probabilities)


def test_include_running_imports_it_as_killed_and_all_experiments(source, mlops_home):
    report = import_mlflow(source.uri, include_running=True)
    run = mlops.get_run(report.runs[source.running_id])
    assert run.info.status.value == "KILLED"
    assert "was RUNNING in MLflow" in run.tags["mlflow.import.note"]
    assert source.other_id in report.runs
    assert {"churn", "other"} <= {e.name for e in mlops.list_experiments()}


def test_an_unknown_experiment_is_named(source, mlops_home):
    with pytest.raises(NotFound, match="'nope' is not in the MLflow store") as err:
        import_mlflow(source.uri, ["churn", "nope"])
    assert "churn" in str(err.value) and "other" in str(err.value)
    assert "churn" not in {e.name for e in mlops.list_experiments()}  # nothing imported


def test_an_unreachable_tracking_uri_is_a_clear_error(mlops_home, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InvalidArgument, match="tracking_uri: .*reachable.*cannot connect"):
        import_mlflow(f"http://127.0.0.1:{port}")
    missing = tmp_path / "typo.db"
    with pytest.raises(InvalidArgument, match="tracking_uri: .*no file"):
        import_mlflow(f"sqlite:///{missing}")
    assert not missing.exists()  # MLflow would have made an empty store of the typo


def test_without_mlflow_the_error_names_the_extra(mlops_home, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(MlopsError, match=r"pip install 'jupyter-mlops\[mlflow\]'"):
        import_mlflow("sqlite:///whatever.db")


def test_a_run_that_fails_half_way_is_deleted_and_imported_afresh_next_time(
    source, mlops_home, monkeypatch
):
    from mlflow import MlflowClient

    real = MlflowClient.get_metric_history

    def broken(self, run_id, key):
        if key == "loss":
            raise ConnectionError("server went away")
        return real(self, run_id, key)

    monkeypatch.setattr(MlflowClient, "get_metric_history", broken)
    with pytest.raises(ConnectionError):
        import_mlflow(source.uri, ["churn"])
    left = mlops.search_runs("churn", children=True, deleted=True)
    assert list(left["lifecycle"]) == ["deleted"] and list(left["status"]) == ["FAILED"]
    assert f"tags.{RUN_TAG}" not in left

    monkeypatch.setattr(MlflowClient, "get_metric_history", real)
    report = import_mlflow(source.uri, ["churn"])
    assert set(report.runs) == {source.parent_id, source.child_id}
    assert len(mlops.get_metric_history(report.runs[source.parent_id], "loss")) == 11
