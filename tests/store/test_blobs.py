import hashlib
from pathlib import Path

import pytest

from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.store.blobs import BlobStore


def test_identical_content_is_stored_once(tmp_path: Path):
    blobs = BlobStore(str(tmp_path / "blobs"))
    a = blobs.put_bytes(b"same bytes")
    f = tmp_path / "x.bin"
    f.write_bytes(b"same bytes")
    b = blobs.put_file(f)
    assert a == b
    assert a.digest == hashlib.sha256(b"same bytes").hexdigest()
    stored = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert blobs.get_bytes(a.digest) == b"same bytes"


def test_path_comes_from_hash_only(tmp_path: Path):
    blobs = BlobStore(str(tmp_path / "blobs"))
    ref = blobs.put_bytes(b"content")
    assert blobs.path(ref.digest) == f"{blobs.root}/{ref.digest[:2]}/{ref.digest[2:4]}/{ref.digest}"
    for evil in ["../../etc/passwd", "g" * 64, "/abs", ref.digest.upper()]:
        with pytest.raises(InvalidArgument, match="digest"):
            blobs.path(evil)


def test_missing_blob_is_not_found(tmp_path: Path):
    blobs = BlobStore(str(tmp_path / "blobs"))
    with pytest.raises(NotFound):
        blobs.get_bytes("0" * 64)


def test_any_fsspec_root(tmp_path: Path):
    blobs = BlobStore("memory://mlops-test-blobs")
    ref = blobs.put_bytes(b"in memory")
    assert blobs.exists(ref.digest)
    assert blobs.get_bytes(ref.digest) == b"in memory"


def test_no_partial_files_left(tmp_path: Path):
    blobs = BlobStore(str(tmp_path / "blobs"))
    blobs.put_bytes(b"x" * 10_000)
    assert not [p for p in (tmp_path / "blobs").rglob(".tmp-*")]
