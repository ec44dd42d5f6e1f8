"""Data sets on disk: Parquet files, directories, hive partitions and CSV, streamed into snapshots."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

import jupyter_mlops as mlops
from jupyter_mlops.data import stream
from jupyter_mlops.data.fingerprint import (
    BLOCK_ROWS,
    Fingerprinter,
    fingerprint,
    fingerprint_part,
)
from jupyter_mlops.data.frames import to_table
from jupyter_mlops.data.profile import NumericProfile, profile_table
from jupyter_mlops.errors import Conflict, InvalidArgument, NotFound
from jupyter_mlops.store.schema_data import Snapshot

from .conftest import make_frame


def _count(store) -> int:
    with store.db.session() as s:
        return s.scalar(select(func.count()).select_from(Snapshot))


def _write_parts(table: pa.Table, folder, cuts) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    bounds = [0, *cuts, table.num_rows]
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        pq.write_table(table.slice(a, b - a), folder / f"part-{i:03d}.parquet")


def assert_same_profile(a, b) -> None:
    """Equal but for the randomised KLL sketch (and the exact grid a merged profile drops)."""
    assert list(a.columns) == list(b.columns) and a.n_rows == b.n_rows
    for name in a.columns:
        pa_, pb = a[name], b[name]
        if isinstance(pa_, NumericProfile):
            for key in ("count", "nulls", "nan", "n", "min", "max", "edges", "hist", "values"):
                assert getattr(pa_, key) == getattr(pb, key), (name, key)
            assert pa_.mean == pytest.approx(pb.mean, rel=1e-9)
            assert pa_.m2 == pytest.approx(pb.m2, rel=1e-9)
        else:
            assert pa_ == pb, name


def test_fingerprint_is_the_same_however_the_rows_arrive():
    t = to_table(make_frame(3 * BLOCK_ROWS + 123))
    whole = fingerprint(t)
    fp = Fingerprinter(t.schema)
    for b in t.to_batches(max_chunksize=7_001):
        fp.update(b)
    assert fp.hexdigest() == whole
    cut = BLOCK_ROWS + 5
    parts = Fingerprinter(t.schema)
    parts.add_part(fingerprint_part(t.slice(0, cut), 0))
    parts.add_part(fingerprint_part(t.slice(cut), cut))
    assert parts.hexdigest() == whole
    assert fingerprint(t.slice(1)) != whole


def test_directory_of_parquet_files_equals_the_same_rows_as_one_frame(store, tmp_path, frame):
    table = to_table(frame)
    _write_parts(table, tmp_path / "events", [500, 501, 1400])
    files = mlops.snapshot(str(tmp_path / "events"), "files")
    assert files.n_rows == len(frame) and files.columns == list(frame.columns)
    assert_same_profile(mlops.get_profile(files), profile_table(table))
    same = mlops.snapshot(frame, "frame")  # same fingerprint: the Parquet blob is shared
    assert same.fingerprint == files.fingerprint and same.data_digest == files.data_digest
    pd.testing.assert_frame_equal(mlops.load_snapshot(files), frame)


def test_large_directory_streams_with_sample_edges(store, tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "IN_MEMORY_ROWS", 1000)
    monkeypatch.setattr("jupyter_mlops.data.dataset_snapshot.IN_MEMORY_ROWS", 1000)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 700)
    frame = make_frame(5000, seed=3)
    table = to_table(frame)
    _write_parts(table, tmp_path / "big", [1200, 2500, 4000])
    info = mlops.snapshot(str(tmp_path / "big"), "big")
    assert info.fingerprint == fingerprint(table)
    again = mlops.snapshot(str(tmp_path / "big"), "big")
    assert again == info and _count(store) == 1  # repeatable: same edges, same fingerprint
    p = mlops.get_profile(info)
    # every value fits the sample (8 pieces x 25k rows): edges are the exact ones
    assert_same_profile(p, profile_table(table))
    pd.testing.assert_frame_equal(mlops.load_snapshot(info), frame)


def test_hive_partitioned_dataset(store, tmp_path):
    frame = make_frame(600)
    for day, part in ((1, frame.iloc[:200]), (2, frame.iloc[200:450]), (3, frame.iloc[450:])):
        folder = tmp_path / "hive" / f"day={day}" / "country=fr"
        folder.mkdir(parents=True)
        pq.write_table(to_table(part), folder / "data.parquet")
    (tmp_path / "hive" / "_SUCCESS").write_text("")
    info = mlops.snapshot(str(tmp_path / "hive"), "hive")
    assert info.columns == [*frame.columns, "day", "country"]
    back = mlops.load_snapshot(info)
    assert back["day"].tolist() == [1] * 200 + [2] * 250 + [3] * 150
    assert (back["country"] == "fr").all()
    assert mlops.get_profile(info)["day"].n == 600


def test_csv_file_and_directory(store, tmp_path):
    frame = make_frame(300).drop(columns=["when"])
    one = tmp_path / "one.csv"
    frame.to_csv(one, index=False)
    folder = tmp_path / "csvs"
    folder.mkdir()
    frame.iloc[:100].to_csv(folder / "a.csv", index=False)
    frame.iloc[100:].to_csv(folder / "b.csv", index=False)
    a = mlops.snapshot(str(one), "csv")
    b = mlops.snapshot(str(folder), "csvdir")
    assert a.fingerprint == b.fingerprint == fingerprint(pcsv.read_csv(one))
    assert (
        a.n_rows == 300
        and mlops.get_profile(b)["city"].as_dict() == frame["city"].value_counts().to_dict()
    )


def test_missing_url_is_a_clear_error(store, tmp_path):
    with pytest.raises(InvalidArgument, match="no-such-dir"):
        mlops.snapshot(str(tmp_path / "no-such-dir"), "x")
    assert _count(store) == 0


def test_files_of_different_schemas_are_named(store, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    pq.write_table(pa.table({"a": [1, 2]}), folder / "1.parquet")
    pq.write_table(pa.table({"a": ["x", "y"]}), folder / "2.parquet")
    with pytest.raises(InvalidArgument, match=r"2\.parquet") as err:
        mlops.snapshot(str(folder), "mixed")
    assert "1.parquet" in str(err.value)
    assert _count(store) == 0


def test_unreadable_file_in_the_middle_stores_nothing(store, tmp_path, monkeypatch):
    monkeypatch.setattr("jupyter_mlops.data.dataset_snapshot.IN_MEMORY_ROWS", 10)
    table = to_table(make_frame(900))
    _write_parts(table, tmp_path / "bad", [300, 600])
    middle = tmp_path / "bad" / "part-001.parquet"
    data = middle.read_bytes()
    middle.write_bytes(data[:4] + b"\x00" * (len(data) - 200) + data[-196:])  # footer kept
    blobs_before = list(store.blobs.iter_blobs())
    with pytest.raises(InvalidArgument, match="part-001"):
        mlops.snapshot(str(tmp_path / "bad"), "bad")
    assert _count(store) == 0
    assert list(store.blobs.iter_blobs()) == blobs_before


def test_reference_snapshot_detects_changed_and_removed_files(store, tmp_path, frame):
    table = to_table(frame)
    _write_parts(table, tmp_path / "ref", [1000])
    info = mlops.snapshot(str(tmp_path / "ref"), "ref", keep="reference")
    assert info.storage == "reference" and info.data_digest == ""
    pd.testing.assert_frame_equal(mlops.load_snapshot(info), frame)
    assert info.fingerprint == fingerprint(table)
    assert mlops.validate(frame, against=info).ok
    changed = tmp_path / "ref" / "part-001.parquet"
    pq.write_table(table.slice(1000, 999), changed)
    with pytest.raises(Conflict, match="part-001.parquet"):
        mlops.load_snapshot(info)
    changed.unlink()
    with pytest.raises(NotFound, match="part-001.parquet"):
        mlops.load_snapshot(info)


def test_copy_limit_switches_to_reference(store, tmp_path, frame, monkeypatch):
    _write_parts(to_table(frame), tmp_path / "d", [])
    monkeypatch.setenv("MLOPS_SNAPSHOT_COPY_LIMIT", "1KB")
    assert mlops.snapshot(str(tmp_path / "d"), "auto").storage == "reference"
    monkeypatch.setenv("MLOPS_SNAPSHOT_COPY_LIMIT", "lots")
    with pytest.raises(InvalidArgument, match="MLOPS_SNAPSHOT_COPY_LIMIT"):
        mlops.snapshot(str(tmp_path / "d"), "auto2")
    with pytest.raises(InvalidArgument, match="keep"):
        mlops.snapshot(frame, "frame", keep="reference")
    with pytest.raises(InvalidArgument, match="keep"):
        mlops.snapshot(frame, "frame", keep="sometimes")


def test_streamed_copy_is_one_parquet_blob(store, tmp_path, monkeypatch):
    monkeypatch.setattr("jupyter_mlops.data.dataset_snapshot.IN_MEMORY_ROWS", 10)
    frame = make_frame(1500, seed=5)
    _write_parts(to_table(frame), tmp_path / "c", [700])
    info = mlops.snapshot(str(tmp_path / "c"), "c")
    assert info.storage == "copy" and info.data_digest
    pd.testing.assert_frame_equal(mlops.load_snapshot(info), frame)
    assert np.isclose(mlops.get_profile(info)["x"].mean, frame["x"].mean())


def test_cli_snapshot_prints_json_for_ci(store, tmp_path, frame):
    import json

    from click.testing import CliRunner

    from jupyter_mlops.cli import main

    _write_parts(to_table(frame), tmp_path / "cli", [1000])
    res = CliRunner().invoke(
        main, ["snapshot", str(tmp_path / "cli"), "events", "--keep", "reference", "--json"]
    )
    assert res.exit_code == 0, res.output
    record = json.loads(res.output)
    assert (record["ref"], record["storage"], record["n_rows"]) == ("events@1", "reference", 2000)
    res = CliRunner().invoke(main, ["snapshot", str(tmp_path / "nope"), "events"])
    assert res.exit_code == 2 and "nope" in res.output
    res = CliRunner().invoke(main, ["snapshot", str(tmp_path / "cli"), "events"])
    assert res.exit_code == 0 and "events@2" in res.output and "copy" in res.output


def test_cli_snapshot_help_stays_light(mlops_home):
    from tests.cli.test_import import CODE, HEAVY
    from tests.conftest import run_python

    proc = run_python(CODE.format(heavy=HEAVY, args=["snapshot", "--help"]))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"command": []' in proc.stdout
