"""Deleting runs (soft, restorable, an event) and ``gc``: deleted runs go for good, and
blobs nothing references any more; never a blob a snapshot, a model or a live run uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import Conflict, NotFound
from jupyter_mlops.store import get_store
from jupyter_mlops.store.events import list_events


def blob_exists(digest: str) -> bool:
    return get_store().blobs.exists(digest)


def run_with_artifact(name: str, content: bytes, **kwargs) -> tuple[str, str]:
    with mlops.start_run(name, **kwargs) as run:
        (art,) = mlops.log_artifact(content, f"{name}.bin")
    return run.id, art.digest


def events_of(run_id: str) -> list[str]:
    store = get_store()
    with store.db.session() as s:
        return [e.kind for e in list_events(s, entity_type="run", entity_id=run_id)]


def test_deleted_runs_are_hidden_restorable_and_recorded(any_store):
    with mlops.start_run("parent", experiment="del") as parent:
        with mlops.start_run("child") as child:
            pass
    with mlops.start_run("other", experiment="del") as other:
        pass
    deleted = mlops.delete_run(parent.id[:8], reason="typo")
    assert set(deleted) == {parent.id, child.id}  # child runs go with their parent
    assert list(mlops.search_runs()["run_id"]) == [other.id]
    assert mlops.search_runs(children=True)["run_id"].tolist() == [other.id]
    assert mlops.count_runs(children=True) == 1
    hidden = mlops.search_runs(deleted=True, children=True)
    assert set(hidden["run_id"]) == {parent.id, child.id, other.id}
    assert set(hidden.loc[hidden["lifecycle"] == "deleted", "run_id"]) == {parent.id, child.id}
    assert mlops.get_run(parent.id).info.lifecycle == "deleted"  # still readable
    assert events_of(parent.id)[0] == "run.deleted"
    assert mlops.delete_run(parent.id) == []  # deleting twice changes nothing
    assert set(mlops.restore_run(parent.id)) == {parent.id, child.id}
    assert set(mlops.search_runs()["run_id"]) == {parent.id, other.id}
    assert events_of(parent.id)[:2] == ["run.restored", "run.deleted"]


def test_a_running_run_cannot_be_deleted(any_store):
    with mlops.start_run("live") as run:
        with pytest.raises(Conflict, match="RUNNING"):
            mlops.delete_run(run.id)
    with pytest.raises(NotFound):
        mlops.delete_run("0" * 32)
    assert mlops.search_runs()["run_id"].tolist() == [run.id]


def test_gc_removes_deleted_runs_and_their_own_blobs_reporting_bytes(any_store):
    gone, gone_blob = run_with_artifact("gone", b"only the deleted run has this")
    kept, shared = run_with_artifact("kept", b"shared by both")
    with mlops.start_run("also-gone") as also:
        (same,) = mlops.log_artifact(b"shared by both", "copy.bin")
    assert same.digest == shared
    mlops.delete_run([gone, also.id])
    dry = mlops.collect_garbage(grace=0, dry_run=True)
    assert set(dry.runs_removed) == {gone, also.id} and dry.dry_run
    assert blob_exists(gone_blob) and mlops.get_run(gone)  # a dry run removes nothing
    report = mlops.collect_garbage(grace=0)
    assert set(report.runs_removed) == {gone, also.id}
    assert gone_blob in report.removed_digests
    assert report.bytes_freed >= len(b"only the deleted run has this")
    assert not blob_exists(gone_blob)
    assert blob_exists(shared)  # still used by a run that is not deleted
    assert mlops.load_artifact(kept, "kept.bin") == b"shared by both"
    with pytest.raises(NotFound):
        mlops.get_run(gone)
    with pytest.raises(NotFound):
        mlops.restore_run(gone)
    assert "run.purged" in events_of(gone)
    assert mlops.collect_garbage(grace=0).bytes_freed == 0  # nothing left to collect


def test_gc_keeps_blobs_of_a_live_run_and_fresh_unreferenced_ones(any_store):
    store = get_store()
    with mlops.start_run("live") as run:
        (art,) = mlops.log_artifact(b"live artifact", "a.bin")
        env = mlops.get_run(run.id).info.context["environment"]
        fresh = store.blobs.put_bytes(b"not referenced yet").digest
        report = mlops.collect_garbage(grace=3600)
        assert report.blobs_kept_recent >= 1 and blob_exists(fresh)
        mlops.collect_garbage(grace=0)
        assert blob_exists(art.digest) and blob_exists(env)  # referenced by the live run
        assert not blob_exists(fresh)


def test_gc_never_removes_a_snapshots_blobs(any_store):
    frame = pd.DataFrame({"x": np.arange(50), "y": np.arange(50) % 3})
    with mlops.start_run("reader") as run:
        info = mlops.snapshot(frame, "train")
        mlops.log_input(info)
    mlops.delete_run(run.id)
    report = mlops.collect_garbage(grace=0)
    assert report.runs_removed == [run.id]
    assert blob_exists(info.data_digest) and blob_exists(info.profile_digest)
    assert mlops.load_snapshot("train").equals(frame)


def test_gc_never_removes_a_models_blob_and_keeps_the_run_it_came_from(any_store):
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(np.arange(10).reshape(-1, 1), np.arange(10))
    with mlops.start_run("train") as run:
        version = mlops.register_model("lr", model)
    loose = mlops.register_model("loose", LinearRegression().fit([[0], [1]], [1, 0]))
    mlops.delete_run(run.id)
    report = mlops.collect_garbage(grace=0)
    assert report.runs_removed == [] and run.id in report.runs_kept
    assert "lr" in report.runs_kept[run.id]
    assert blob_exists(version.digest) and blob_exists(loose.digest)
    assert mlops.load_model("lr/1").predict([[3]]).round(6).tolist() == [3.0]
    assert mlops.get_run(run.id).info.lifecycle == "deleted"
