"""Content-addressed blob store on fsspec.

A blob's path is ``<root>/<aa>/<bb>/<sha256>``: it comes from the hash of its
content only, never from a user string, so identical content is stored once
and no name can escape the root.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidArgument, NotFound

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


@dataclass(frozen=True)
class BlobRef:
    digest: str
    size: int


@dataclass(frozen=True)
class BlobStat:
    digest: str
    size: int
    modified: float  # seconds since the epoch; when it was written or last stored again


def check_digest(digest: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise InvalidArgument("digest", "a lowercase hex sha256 of 64 characters", digest)
    return digest


class BlobStore:
    """Blobs under ``root``: a local folder, or any fsspec URL (``s3://bucket/prefix``).

    fsspec is imported on the first blob operation, not when the store opens:
    commands that read only the database (``jupyter mlops runs list``) skip it.
    """

    def __init__(self, root: str) -> None:
        self.url = root
        scheme = root.split("://", 1)[0] if "://" in root else "file"
        self._local = scheme in ("file", "local")
        self._fs = None
        self._root = (
            os.path.abspath(root.split("://", 1)[-1]).replace(os.sep, "/").rstrip("/")
            if self._local
            else None
        )

    @property
    def fs(self):
        if self._fs is None:
            import fsspec

            self._fs, root = fsspec.core.url_to_fs(self.url)
            if self._root is None:
                self._root = root.rstrip("/")
        return self._fs

    @property
    def root(self) -> str:
        if self._root is None:
            self.fs  # noqa: B018 - resolves the root of a remote URL
        return self._root

    def path(self, digest: str) -> str:
        check_digest(digest)
        return f"{self.root}/{digest[:2]}/{digest[2:4]}/{digest}"

    def exists(self, digest: str) -> bool:
        return self.fs.exists(self.path(digest))

    def put_bytes(self, data: bytes) -> BlobRef:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgument("data", "bytes", type(data).__name__)
        data = bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not self._touch(target):
            self._write_atomic(target, lambda f: f.write(data))
        return BlobRef(digest, len(data))

    def put_file(self, path: str | os.PathLike) -> BlobRef:
        source = Path(path)
        if not source.is_file():
            raise InvalidArgument("path", "an existing file", str(path))
        h = hashlib.sha256()
        size = 0
        with source.open("rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
        digest = h.hexdigest()
        target = self.path(digest)
        if not self._touch(target):

            def copy(out: BinaryIO) -> None:
                with source.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        out.write(chunk)

            self._write_atomic(target, copy)
        return BlobRef(digest, size)

    def _touch(self, target: str) -> bool:
        """Whether the blob exists; a local one gets a fresh mtime.

        Storing content that is already there marks it as just used, so that a
        concurrent ``gc`` (which spares recently modified blobs) cannot delete
        it between this call and the row that will reference it.
        """
        if not self._local:
            return self.fs.exists(target)
        try:
            os.utime(target)
        except FileNotFoundError:
            return False
        return True

    def iter_blobs(self) -> Iterator[BlobStat]:
        """Every blob in the store (temporary files of unfinished writes are skipped)."""
        if not self.fs.exists(self.root):
            return
        for path, info in self.fs.find(self.root, detail=True).items():
            digest = path.rstrip("/").rsplit("/", 1)[-1]
            if _DIGEST.match(digest) and path.endswith(f"{digest[:2]}/{digest[2:4]}/{digest}"):
                yield BlobStat(digest, int(info.get("size") or 0), _modified(info))

    def stat(self, digest: str) -> BlobStat | None:
        try:
            info = self.fs.info(self.path(digest))
        except FileNotFoundError:
            return None
        return BlobStat(digest, int(info.get("size") or 0), _modified(info))

    def delete(self, digest: str) -> None:
        """Remove one blob (``gc`` decides which; nothing else deletes)."""
        try:
            self.fs.rm_file(self.path(digest))
        except FileNotFoundError:
            pass

    def _write_atomic(self, target: str, write) -> None:
        """Write beside the target and rename, so a reader never sees half a blob."""
        parent = target.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        if not self._local:
            with self.fs.open(target, "wb") as f:
                write(f)
            return
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as f:
                write(f)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def get_bytes(self, digest: str) -> bytes:
        try:
            with self.fs.open(self.path(digest), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise NotFound(f"blob {digest} is not in the blob store at {self.url}") from None

    def open(self, digest: str) -> BinaryIO:
        try:
            return self.fs.open(self.path(digest), "rb")
        except FileNotFoundError:
            raise NotFound(f"blob {digest} is not in the blob store at {self.url}") from None

    def get_file(self, digest: str, dest: str | os.PathLike) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.open(digest) as src, dest.open("wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        return dest


def _modified(info: dict) -> float:
    """Modification time from an fsspec ``info`` dict; now when the backend gives none."""
    value = info.get("mtime", info.get("LastModified", info.get("created")))
    if value is None:
        return time.time()
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)
