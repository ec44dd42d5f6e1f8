"""Snapshots in the store: dedup, versions, references, lineage; on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import func, select

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.store.events import list_events
from jupyter_mlops.store.schema_data import Snapshot

from .conftest import make_frame


def _count(store) -> int:
    with store.db.session() as s:
        return s.scalar(select(func.count()).select_from(Snapshot))


def test_snapshot_versions_dedup_and_refs(any_store, frame):
    s1 = mlops.snapshot(frame, "train")
    assert (s1.name, s1.version, s1.ref) == ("train", 1, "train@1")
    assert s1.n_rows == len(frame) and s1.columns == list(frame.columns)
    assert mlops.snapshot(frame.copy(), "train") == s1  # same content, same snapshot
    assert _count(any_store) == 1
    s2 = mlops.snapshot(make_frame(seed=1), "train")
    assert s2.version == 2
    assert mlops.get_snapshot("train@latest") == s2
    assert mlops.get_snapshot("train") == s2
    assert mlops.get_snapshot("train@1") == s1
    assert mlops.get_snapshot(s1.id) == s1
    assert [i.ref for i in mlops.list_snapshots()] == ["train@2", "train@1"]
    assert [i.ref for i in mlops.list_snapshots(all_versions=False)] == ["train@2"]
    kinds = [e.kind for e in list_events_all(any_store)]
    assert kinds.count("snapshot.created") == 2


def list_events_all(store):
    with store.db.session() as s:
        return list_events(s, entity_type="snapshot")


def test_same_content_under_another_name_reuses_blobs(store, frame):
    a = mlops.snapshot(frame, "a")
    b = mlops.snapshot(frame, "b")
    assert a.id != b.id and b.version == 1
    assert (a.data_digest, a.profile_digest, a.fingerprint) == (
        b.data_digest,
        b.profile_digest,
        b.fingerprint,
    )


def test_load_snapshot_round_trips(store, frame):
    info = mlops.snapshot(frame, "train")
    back = mlops.load_snapshot("train@1")
    pd.testing.assert_frame_equal(back, frame)
    assert mlops.load_snapshot(info, columns=["x"]).columns.tolist() == ["x"]
    assert isinstance(mlops.load_snapshot(info, as_arrow=True), pa.Table)
    with pytest.raises(InvalidArgument, match="columns"):
        mlops.load_snapshot(info, columns=["nope"])


def test_profile_is_stored(store, frame):
    info = mlops.snapshot(frame, "train")
    profile = mlops.get_profile(info)
    assert profile.n_rows == len(frame)
    assert profile["city"].as_dict() == frame["city"].value_counts().to_dict()
    assert store.blobs.exists(info.profile_digest) and store.blobs.exists(info.data_digest)


def test_series_and_arrow_inputs(store):
    assert mlops.snapshot(pd.Series([1, 2, 3], name="v"), "s").columns == ["v"]
    assert mlops.snapshot(pa.table({"a": [1.0]}), "t").n_rows == 1


def test_lineage_active_run_and_explicit_run(any_store, frame):
    with mlops.start_run("train") as run:
        info = mlops.snapshot(frame, "train")
        again = mlops.snapshot(frame, "train")  # dedup still links (idempotently)
    assert again == info
    assert mlops.snapshots_of_run(run.id) == [info]
    assert mlops.runs_of_snapshot("train@1") == [run.id]
    with mlops.start_run("other") as other:
        pass
    other_info = mlops.snapshot(make_frame(seed=5), "eval", run=other.id)
    assert mlops.snapshots_of_run(other) == [other_info]
    nolink = mlops.snapshot(make_frame(seed=6), "eval", run=False)
    assert mlops.runs_of_snapshot(nolink) == []
    with mlops.start_run("reader") as reader:
        mlops.log_input("train@1")
    assert mlops.snapshots_of_run(reader.id) == [info]


def test_bad_names_refs_and_runs(store, frame):
    with pytest.raises(InvalidArgument, match="name"):
        mlops.snapshot(frame, "bad name!")
    with pytest.raises(InvalidArgument, match="name"):
        mlops.snapshot(frame, "")
    with pytest.raises(InvalidArgument, match="version"):
        mlops.get_snapshot("train@x")
    with pytest.raises(NotFound, match="snapshot 'nope'"):
        mlops.get_snapshot("nope")
    mlops.snapshot(frame, "train")
    with pytest.raises(NotFound, match="version 9"):
        mlops.get_snapshot("train@9")
    with pytest.raises(NotFound):
        mlops.snapshot(make_frame(seed=2), "train", run="ffffffffffff")
    assert _count(store) == 1  # the failed call left nothing behind


def test_bad_frames_leave_nothing(store):
    with pytest.raises(InvalidArgument, match="at least one row"):
        mlops.snapshot(pd.DataFrame({"a": []}), "empty")
    with pytest.raises(InvalidArgument, match="one type"):
        mlops.snapshot(pd.DataFrame({"m": pd.Series([1, "a"], dtype=object)}), "mixed")
    assert _count(store) == 0


def test_odd_but_valid_columns_snapshot(store):
    df = pd.DataFrame({"n": [None, None, None], "l": [[1], [2, 3], None], "x": [1.0, 2.0, 3.0]})
    info = mlops.snapshot(df, "odd")
    kinds = {c["name"]: c["kind"] for c in info.schema}
    assert kinds == {"n": "null", "l": "other", "x": "numeric"}
    assert mlops.load_snapshot(info)["l"].tolist()[1].tolist() == [2, 3]


def test_concurrent_processes_get_distinct_versions(store):
    script = (
        "import numpy as np, pandas as pd, jupyter_mlops as mlops\n"
        "df = pd.DataFrame({'a': np.arange(1000) + %d})\n"
        "print(mlops.snapshot(df, 'shared').version)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script % i], stdout=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    versions = sorted(int(p.communicate(timeout=120)[0]) for p in procs)
    assert versions == [1, 2, 3]


def test_snapshot_info_is_hashable_and_jsonable(store, frame):
    import json

    info = mlops.snapshot(frame, "train")
    assert {info, mlops.get_snapshot("train@1")} == {info}
    record = info.to_dict()
    assert record["ref"] == "train@1" and record["schema"][0]["name"] == "x"
    json.dumps(record)


def test_expectations_and_drift_round_trip_on_both_databases(any_store, frame):
    mlops.snapshot(frame, "train")
    mlops.snapshot(make_frame(seed=1, shift=1.0), "train")
    exp = mlops.expectations_from("train@1")
    assert mlops.get_snapshot("train@1").expectations == exp.to_dict()  # JSON column
    assert mlops.validate(make_frame(seed=3), against="train@1").ok
    report = mlops.drift("train@1", "train@2")
    assert report.drifted_columns == ["x"]


def test_pandas_dtypes_round_trip(store):
    df = pd.DataFrame(
        {
            "i": pd.array([1, None, 3], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "c": pd.Categorical(["a", None, "b"]),
            "t": pd.date_range("2024-01-01", periods=3, tz="UTC"),
        }
    )
    back = mlops.load_snapshot(mlops.snapshot(df, "typed"))
    pd.testing.assert_frame_equal(back, df)
