"""The blob store on a real S3 endpoint: moto's server on loopback, reached through s3fs."""

from __future__ import annotations

import hashlib
import io
import textwrap
import time
from pathlib import Path

import pytest

from jupyter_mlops.errors import NotFound, StoreError
from jupyter_mlops.store.blobs import BlobStore
from tests.conftest import _free_port, run_python


@pytest.fixture
def blobs(s3_bucket: str) -> BlobStore:
    return BlobStore(f"s3://{s3_bucket}/mlops")


def _keys(bucket: str) -> dict[str, int]:
    import boto3

    listing = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return {o["Key"]: o["Size"] for o in listing.get("Contents", [])}


def test_put_get_exists_size_delete(blobs: BlobStore, s3_bucket: str, tmp_path: Path):
    ref = blobs.put_bytes(b"on s3")
    digest = hashlib.sha256(b"on s3").hexdigest()
    assert ref.digest == digest
    assert _keys(s3_bucket) == {f"mlops/{digest[:2]}/{digest[2:4]}/{digest}": 5}
    assert blobs.exists(digest)
    assert blobs.get_bytes(digest) == b"on s3"
    with blobs.open(digest) as f:
        assert f.read() == b"on s3"
    assert blobs.stat(digest).size == 5
    source = tmp_path / "same.bin"
    source.write_bytes(b"on s3")
    assert blobs.put_file(source) == ref
    assert len(_keys(s3_bucket)) == 1
    assert blobs.get_file(digest, tmp_path / "out.bin").read_bytes() == b"on s3"
    assert [b.digest for b in blobs.iter_blobs()] == [digest]
    blobs.delete(digest)
    assert not blobs.exists(digest)
    assert _keys(s3_bucket) == {}
    with pytest.raises(NotFound, match=digest):
        blobs.get_bytes(digest)


def test_a_blob_larger_than_a_part_round_trips(blobs: BlobStore, tmp_path: Path):
    data = bytes(range(256)) * (24 * 1024 * 16)  # 96 MiB: a multipart upload
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    ref = blobs.put_file(source)
    assert ref.size == len(data)
    assert hashlib.sha256(blobs.get_bytes(ref.digest)).hexdigest() == ref.digest


def test_a_write_that_fails_midway_leaves_no_blob(
    blobs: BlobStore, s3_bucket: str, tmp_path: Path, monkeypatch
):
    """S3 has no rename: an upload that fails must be abandoned, never completed half-written."""
    source = tmp_path / "data.bin"
    source.write_bytes(b"x" * 3_000_000)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    real_open = Path.open
    opened = []

    class FailingReader(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 0:
                raise OSError("read error on the source disk")
            return super().read(1_000_000)

    def open_(self, *args, **kwargs):
        if self == source:
            opened.append(1)
            if len(opened) == 2:  # the copy after the hashing pass
                return FailingReader(real_open(self, "rb").read())
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    with pytest.raises(OSError, match="read error"):
        blobs.put_file(source)
    assert not blobs.exists(digest)
    assert _keys(s3_bucket) == {}


def test_a_file_that_changes_while_stored_is_refused(
    blobs: BlobStore, s3_bucket: str, tmp_path: Path, monkeypatch
):
    source = tmp_path / "data.bin"
    source.write_bytes(b"before")
    real_open = Path.open
    opened = []

    def open_(self, *args, **kwargs):
        if self == source:
            opened.append(1)
            if len(opened) == 2:
                return io.BytesIO(b"after!")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    with pytest.raises(StoreError, match="changed while it was stored"):
        blobs.put_file(source)
    assert _keys(s3_bucket) == {}


def test_storing_again_refreshes_the_modification_time(blobs: BlobStore):
    """gc spares recently stored blobs; content stored again counts as recent on S3 too."""
    ref = blobs.put_bytes(b"used again")
    first = blobs.stat(ref.digest).modified
    time.sleep(1.1)  # S3 times have one-second resolution; nothing to wait for but the clock
    blobs.put_bytes(b"used again")
    assert blobs.stat(ref.digest).modified > first
    assert blobs.get_bytes(ref.digest) == b"used again"


def test_a_missing_bucket_is_a_store_error(s3_env):
    blobs = BlobStore("s3://no-such-bucket-here/mlops")
    assert not blobs.exists("0" * 64)
    with pytest.raises(StoreError, match="no-such-bucket-here"):
        blobs.put_bytes(b"x")


def test_missing_credentials_are_a_clear_error(s3_bucket: str, s3_env, tmp_path: Path):
    """A fresh process without keys: one StoreError naming the blob root and what to set."""
    code = textwrap.dedent(
        """
        import jupyter_mlops as mlops
        from jupyter_mlops.errors import StoreError
        try:
            with mlops.start_run("no-keys"):
                mlops.log_artifact(b"some text", "notes")
        except StoreError as e:
            print("STORE ERROR:", e)
            print("CAUSE:", e.__cause__, e.__suppress_context__)
        run = mlops.get_run(mlops.search_runs()["run_id"][0])
        print("RUN:", run.info.status.value, len(run.artifacts))
        """
    )
    env = {
        "MLOPS_HOME": str(tmp_path / ".mlops"),
        "MLOPS_BLOB_ROOT": f"s3://{s3_bucket}/mlops",
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
    }
    done = run_python(code, env={**env})
    assert done.returncode == 0, done.stderr
    message = done.stdout
    assert "STORE ERROR:" in message
    assert f"s3://{s3_bucket}/mlops" in message
    assert "MLOPS_BLOB_ROOT" in message
    assert "AWS_ACCESS_KEY_ID" in message and "AWS_SECRET_ACCESS_KEY" in message
    assert "CAUSE: None True" in message  # no botocore traceback chained under it
    assert "RUN: FAILED 0" in message  # the run ended with the error; no artifact row


def test_an_unreachable_endpoint_is_a_clear_error(s3_env, monkeypatch):
    endpoint = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    blobs = BlobStore("s3://unreachable/mlops")
    with pytest.raises(StoreError) as caught:
        blobs.put_bytes(b"x")
    assert "s3://unreachable/mlops" in str(caught.value)
    assert endpoint in str(caught.value)
    assert "AWS_ENDPOINT_URL_S3" in str(caught.value)


# -- The core's blobs on S3: artifacts, snapshots, models, pipeline outputs, gc ---------
def _digests_on_s3(bucket: str) -> set[str]:
    return {key.rsplit("/", 1)[-1] for key in _keys(bucket)}


def test_artifacts_round_trip_on_s3(s3_blob_root: str, s3_bucket: str, tmp_path: Path):
    import jupyter_mlops as mlops

    report = tmp_path / "report.txt"
    report.write_text("accuracy 0.93\n")
    with mlops.start_run("s3-artifacts") as run:
        (raw,) = mlops.log_artifact(b"\x00\x01 bytes", "raw.bin")
        (text,) = mlops.log_artifact(report)
    assert mlops.get_store().blobs.url == s3_blob_root
    assert {raw.digest, text.digest} <= _digests_on_s3(s3_bucket)
    assert mlops.load_artifact(run.id, "raw.bin") == b"\x00\x01 bytes"
    assert mlops.load_artifact(run.id, "report.txt") == b"accuracy 0.93\n"
    assert not any((tmp_path / ".mlops").rglob("blobs"))  # nothing went to the local folder


def test_snapshots_and_drift_round_trip_on_s3(s3_blob_root: str, s3_bucket: str):
    import numpy as np
    import pandas as pd

    import jupyter_mlops as mlops

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=500), "kind": rng.choice(["a", "b"], 500)})
    shifted = train.assign(x=train["x"] + 3)
    info = mlops.snapshot(train, "train")
    later = mlops.snapshot(shifted, "train")
    assert {info.data_digest, info.profile_digest, later.data_digest} <= _digests_on_s3(s3_bucket)
    pd.testing.assert_frame_equal(mlops.load_snapshot("train@1"), train)
    assert mlops.drift("train@1", "train@1").drifted is False
    report = mlops.drift("train@1", "train@2")
    assert report.drifted and "x" in report.drifted_columns


def test_models_round_trip_on_s3(s3_blob_root: str, s3_bucket: str):
    import numpy as np
    from sklearn.linear_model import LinearRegression

    import jupyter_mlops as mlops

    model = LinearRegression().fit(np.arange(10).reshape(-1, 1), 2 * np.arange(10))
    with mlops.start_run("fit"):
        version = mlops.register_model("doubler", model)
    assert version.digest in _digests_on_s3(s3_bucket)
    assert mlops.load_model("doubler/1").predict([[4]]).round(6).tolist() == [8.0]


def test_gc_on_s3_removes_unreferenced_blobs_only(s3_blob_root: str, s3_bucket: str):
    import jupyter_mlops as mlops

    with mlops.start_run("gone") as gone:
        (only_gone,) = mlops.log_artifact(b"only the deleted run", "a.bin")
    with mlops.start_run("kept") as kept:
        (kept_art,) = mlops.log_artifact(b"kept run", "b.bin")
    stray = mlops.get_store().blobs.put_bytes(b"never referenced").digest
    mlops.delete_run(gone.id)
    first = mlops.collect_garbage(grace=3600)
    assert first.runs_removed == [gone.id]
    assert first.blobs_removed == 0 and first.blobs_kept_recent >= 2  # written just now
    assert {only_gone.digest, stray} <= _digests_on_s3(s3_bucket)
    report = mlops.collect_garbage(grace=0)
    assert {only_gone.digest, stray} <= set(report.removed_digests)
    on_s3 = _digests_on_s3(s3_bucket)
    assert only_gone.digest not in on_s3 and stray not in on_s3
    assert kept_art.digest in on_s3
    assert mlops.load_artifact(kept.id, "b.bin") == b"kept run"


def test_a_pipeline_output_notebook_round_trips_on_s3(
    s3_blob_root: str, s3_bucket: str, mlops_home
):
    import jupyter_mlops as mlops
    from tests.pipeline.conftest import write_notebook

    path = write_notebook(
        mlops_home.parent / "train.ipynb",
        [
            "import jupyter_mlops as mlops",
            ("alpha = 0.5", ["parameters"]),
            "mlops.log_metric('score', alpha * 2)\nmlops.log_artifact(b'from the kernel', 'k.bin')",
        ],
    )
    mlops.promote_notebook(path, "train")
    result = mlops.run_pipeline("train", {"alpha": "2.0"})
    assert result.ok, result
    data = mlops.get_run(result.run_id)
    assert data.metrics == {"score": 4.0}
    digests = {a.name: a.digest for a in data.artifacts}
    assert set(digests) == {"output.ipynb", "k.bin"}
    assert set(digests.values()) <= _digests_on_s3(s3_bucket)
    assert "injected-parameters" in mlops.load_artifact(result.run_id, "output.ipynb").decode()
    assert mlops.load_artifact(result.run_id, "k.bin") == b"from the kernel"
