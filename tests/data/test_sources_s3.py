"""Snapshots of Parquet data sets in an S3 bucket (moto's server on loopback), blobs on S3 too."""

from __future__ import annotations

import textwrap

import pandas as pd
import pyarrow.parquet as pq
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.data.fingerprint import fingerprint
from jupyter_mlops.data.frames import to_table
from jupyter_mlops.data.profile import profile_table
from jupyter_mlops.errors import Conflict, NotFound
from tests.conftest import run_python

from .conftest import make_frame
from .test_sources import _write_parts, assert_same_profile


@pytest.fixture
def s3(s3_endpoint: str, s3_blob_root: str):
    import fsspec

    return fsspec.filesystem("s3", endpoint_url=s3_endpoint, use_listings_cache=False)


def _upload(s3, local, bucket: str, prefix: str) -> str:
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        s3.put_file(str(path), f"{bucket}/{prefix}/{path.relative_to(local).as_posix()}")
    return f"s3://{bucket}/{prefix}/"


def _blob_keys(s3, bucket: str) -> set[str]:
    return {p.rsplit("/", 1)[-1] for p in s3.find(f"{bucket}/mlops")}


def test_parquet_directory_on_s3_by_copy(s3, s3_bucket, tmp_path, frame):
    table = to_table(frame)
    _write_parts(table, tmp_path / "events", [500, 1400])
    url = _upload(s3, tmp_path / "events", s3_bucket, "events")
    info = mlops.snapshot(url, "events")
    assert info.storage == "copy" and info.n_rows == len(frame)
    assert info.fingerprint == fingerprint(table)
    assert_same_profile(mlops.get_profile(info), profile_table(table))
    assert {info.data_digest, info.profile_digest} <= _blob_keys(s3, s3_bucket)
    s3.rm(f"{s3_bucket}/events", recursive=True)  # a copy no longer needs the source
    pd.testing.assert_frame_equal(mlops.load_snapshot(info), frame)
    assert mlops.snapshot(frame, "as-frame").data_digest == info.data_digest


def test_hive_partitioned_dataset_on_s3(s3, s3_bucket, tmp_path):
    frame = make_frame(600)
    for day, part in ((1, frame.iloc[:200]), (2, frame.iloc[200:])):
        folder = tmp_path / "hive" / f"day={day}" / "country=fr"
        folder.mkdir(parents=True)
        pq.write_table(to_table(part), folder / "data.parquet")
    url = _upload(s3, tmp_path / "hive", s3_bucket, "hive")
    info = mlops.snapshot(url, "hive")
    assert info.columns == [*frame.columns, "day", "country"]
    back = mlops.load_snapshot(info)
    assert back["day"].tolist() == [1] * 200 + [2] * 400
    assert (back["country"] == "fr").all()
    assert mlops.drift(info, info).drifted is False


def test_reference_snapshot_on_s3_detects_changed_and_removed_objects(
    s3, s3_bucket, tmp_path, frame
):
    table = to_table(frame)
    _write_parts(table, tmp_path / "ref", [1000])
    url = _upload(s3, tmp_path / "ref", s3_bucket, "ref")
    info = mlops.snapshot(url, "ref", keep="reference")
    assert info.storage == "reference" and info.data_digest == ""
    assert info.profile_digest in _blob_keys(s3, s3_bucket)
    pd.testing.assert_frame_equal(mlops.load_snapshot(info), frame)
    changed = tmp_path / "changed.parquet"
    pq.write_table(table.slice(1000, 999), changed)
    s3.put_file(str(changed), f"{s3_bucket}/ref/part-001.parquet")
    with pytest.raises(Conflict, match="part-001.parquet"):
        mlops.load_snapshot(info)
    s3.rm_file(f"{s3_bucket}/ref/part-001.parquet")
    with pytest.raises(NotFound, match="part-001.parquet"):
        mlops.load_snapshot(info)


def test_a_dataset_url_without_credentials_is_a_clear_error(s3, s3_bucket, tmp_path, frame):
    _write_parts(to_table(frame), tmp_path / "events", [])
    url = _upload(s3, tmp_path / "events", s3_bucket, "events")
    code = textwrap.dedent(
        f"""
        import jupyter_mlops as mlops
        from jupyter_mlops.errors import MlopsError
        try:
            mlops.snapshot({url!r}, "events")
        except MlopsError as e:
            print(type(e).__name__ + ":", e)
            print("CAUSE:", e.__cause__)
        print("SNAPSHOTS:", len(mlops.list_snapshots()))
        """
    )
    env = {
        "MLOPS_HOME": str(tmp_path / ".mlops"),
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
    }
    env["MLOPS_BLOB_ROOT"] = str(tmp_path / "blobs")
    done = run_python(code, env=env)
    assert done.returncode == 0, done.stderr
    assert "StoreError:" in done.stdout, done.stdout
    assert url.rstrip("/") in done.stdout
    assert "AWS_ACCESS_KEY_ID" in done.stdout and "AWS_SECRET_ACCESS_KEY" in done.stdout
    assert "CAUSE: None" in done.stdout
    assert "SNAPSHOTS: 0" in done.stdout
