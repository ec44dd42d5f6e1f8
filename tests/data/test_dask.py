"""Dask frames and clusters give the single-machine results: snapshot, validate, drift."""

from __future__ import annotations

import itertools

import pandas as pd
import pyarrow.parquet as pq
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.data.fingerprint import BLOCK_ROWS, fingerprint
from jupyter_mlops.data.frames import to_table
from jupyter_mlops.data.profile import profile_table

from .conftest import make_frame
from .test_sources import assert_same_profile

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_dask_frame_snapshot_equals_the_pandas_one(store):
    frame = make_frame(BLOCK_ROWS + 3000, seed=7)
    ddf = dd.from_pandas(frame, npartitions=4)
    info = mlops.snapshot(ddf, "dask")
    assert info.fingerprint == fingerprint(to_table(frame))
    assert info.n_rows == len(frame)
    assert_same_profile(mlops.get_profile(info), profile_table(to_table(frame)))
    # Dask's own string dtype comes back (its partitions' pandas metadata); the values match
    pd.testing.assert_frame_equal(mlops.load_snapshot(info), frame, check_dtype=False)
    assert mlops.snapshot(frame, "pandas").data_digest == info.data_digest


def test_validate_and_drift_take_dask_frames(store, client):
    ref = make_frame(3000, seed=1)
    info = mlops.snapshot(ref, "ref")
    cur = make_frame(3000, seed=2, shift=1.5)
    cur.loc[5, "y"] = -50.0
    dcur = dd.from_pandas(cur, npartitions=3)
    ours, theirs = mlops.validate(dcur, against=info), mlops.validate(cur, against=info)
    pd.testing.assert_frame_equal(ours.violations, theirs.violations)
    assert not ours.ok and ours.n_rows == 3000
    d_ours, d_theirs = mlops.drift(info, dcur), mlops.drift(info, cur)
    assert d_ours.drifted_columns == d_theirs.drifted_columns and "x" in d_ours.drifted_columns
    a, b = d_ours.columns.set_index("column"), d_theirs.columns.set_index("column")
    assert a["drifted"].equals(b["drifted"])
    assert a.loc["city", "statistic"] == pytest.approx(b.loc["city", "statistic"])


def test_files_on_a_cluster_equal_the_single_machine_snapshot(store, tmp_path, client):
    frame = make_frame(2 * BLOCK_ROWS + 500, seed=9)
    table = to_table(frame)
    folder = tmp_path / "events"
    folder.mkdir()
    pq.write_table(table.slice(0, 20_000), folder / "a.parquet", row_group_size=7_000)
    pq.write_table(table.slice(20_000), folder / "b.parquet", row_group_size=9_000)
    on_cluster = mlops.snapshot(str(folder), "cluster", cluster=client, keep="reference")
    local = mlops.snapshot(str(folder), "local", keep="reference")
    assert on_cluster.fingerprint == local.fingerprint == fingerprint(table)
    assert_same_profile(mlops.get_profile(on_cluster), profile_table(table))
    pd.testing.assert_frame_equal(mlops.load_snapshot(on_cluster), frame)


def test_bad_cluster_and_keep_are_named(store):
    ddf = dd.from_pandas(make_frame(100), npartitions=2)
    with pytest.raises(mlops.InvalidArgument, match="keep"):
        mlops.snapshot(ddf, "x", keep="reference")
    with pytest.raises(mlops.InvalidArgument, match="cluster"):
        mlops.snapshot(ddf, "x", cluster=42)
    with pytest.raises(mlops.InvalidArgument, match="cluster"):
        mlops.snapshot(make_frame(10), "x", cluster="tcp://127.0.0.1:1")


def test_many_files_on_a_cluster_are_one_streamed_task_each(store, tmp_path, client):
    """Enough files for every worker: each file is streamed whole on a worker (its own
    fingerprint part, blocks cut at any position, a file shorter than a block included)."""
    frame = make_frame(2 * BLOCK_ROWS + 500, seed=11)
    table = to_table(frame)
    folder = tmp_path / "many"
    folder.mkdir()
    cuts = [0, 100, 16_000, 20_000, 33_000, table.num_rows]
    for i, (a, b) in enumerate(itertools.pairwise(cuts)):
        pq.write_table(table.slice(a, b - a), folder / f"p{i}.parquet")
    on_cluster = mlops.snapshot(str(folder), "cluster", cluster=client, keep="reference")
    assert on_cluster.fingerprint == fingerprint(table)
    assert_same_profile(mlops.get_profile(on_cluster), profile_table(table))
