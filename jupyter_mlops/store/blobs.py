"""Content-addressed blob store on fsspec.

A blob's path is ``<root>/<aa>/<bb>/<sha256>``: it comes from the hash of its
content only, never from a user string, so identical content is stored once
and no name can escape the root.

On an object store (``s3://``) a blob is written to its final key in one
upload: S3 shows an object only once its PUT (or the completion of its
multipart upload) succeeded, so a reader never sees half a blob, and an
upload that fails is abandoned, never completed. Errors of the remote
(missing keys, an endpoint that does not answer, a missing bucket) become one
``StoreError`` naming the blob root and what to set.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidArgument, MlopsError, NotFound, StoreError
from .blob_errors import remote_error

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20
# Object stores: no folders to create, and listings are not cached (another
# process's gc or write must be seen at once).
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})


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
        self._scheme = scheme
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

            with self._reaching("open"):
                self._fs, root = fsspec.core.url_to_fs(self.url, **self._options())
            if self._root is None:
                self._root = root.rstrip("/")
        return self._fs

    def _options(self) -> dict:
        if self._scheme not in OBJECT_STORES:
            return {}
        options: dict = {"use_listings_cache": False}
        if self._scheme in ("s3", "s3a"):
            from ..config import s3_endpoint

            endpoint = s3_endpoint()
            if endpoint:  # explicit, so that another endpoint gets its own client
                options["endpoint_url"] = endpoint
        return options

    @contextmanager
    def _reaching(self, action: str) -> Iterator[None]:
        """Turn what a remote file system raises into a ``StoreError`` saying what to set."""
        try:
            yield
        except (FileNotFoundError, MlopsError):
            raise
        except Exception as exc:
            if self._local:
                raise
            raise StoreError(remote_error(self.url, self._scheme, action, exc)) from None

    @property
    def root(self) -> str:
        if self._root is None:
            self.fs  # noqa: B018 - resolves the root of a remote URL
        return self._root

    def path(self, digest: str) -> str:
        check_digest(digest)
        return f"{self.root}/{digest[:2]}/{digest[2:4]}/{digest}"

    def exists(self, digest: str) -> bool:
        path = self.path(digest)
        with self._reaching("look up a blob"):
            return self.fs.exists(path)

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
                again = hashlib.sha256()
                with source.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        again.update(chunk)
                        out.write(chunk)
                if again.hexdigest() != digest:
                    raise StoreError(f"{source} changed while it was stored; store it again")

            self._write_atomic(target, copy)
        return BlobRef(digest, size)

    def _touch(self, target: str) -> bool:
        """Whether the blob exists; a local one gets a fresh mtime.

        Storing content that is already there marks it as just used, so that a
        concurrent ``gc`` (which spares recently modified blobs) cannot delete
        it between this call and the row that will reference it.
        """
        if not self._local:
            with self._reaching("look up a blob"):
                if not self.fs.exists(target):
                    return False
                return self._refresh_remote(target)
        try:
            os.utime(target)
        except FileNotFoundError:
            return False
        return True

    def _refresh_remote(self, target: str) -> bool:
        """Give an existing object a new modification time (S3: a copy onto itself).

        Without it a blob stored again would keep its old time, and a ``gc``
        running meanwhile could take it for unused. An object store that
        cannot refresh (S3 objects over 5 GB) keeps its old time.
        """
        setxattr = getattr(self.fs, "setxattr", None)
        if setxattr is None:
            return True
        try:
            setxattr(target, mlops_stored=str(int(time.time())))
        except FileNotFoundError:
            return False  # removed between the two calls: store it again
        except OSError:
            pass
        return True

    def iter_blobs(self) -> Iterator[BlobStat]:
        """Every blob in the store (temporary files of unfinished writes are skipped)."""
        with self._reaching("list the blobs"):
            if not self.fs.exists(self.root):
                return
            found = self.fs.find(self.root, detail=True)
        for path, info in found.items():
            digest = path.rstrip("/").rsplit("/", 1)[-1]
            if _DIGEST.match(digest) and path.endswith(f"{digest[:2]}/{digest[2:4]}/{digest}"):
                yield BlobStat(digest, int(info.get("size") or 0), _modified(info))

    def stat(self, digest: str) -> BlobStat | None:
        path = self.path(digest)
        try:
            with self._reaching("look up a blob"):
                info = self.fs.info(path)
        except FileNotFoundError:
            return None
        return BlobStat(digest, int(info.get("size") or 0), _modified(info))

    def delete(self, digest: str) -> None:
        """Remove one blob (``gc`` decides which; nothing else deletes)."""
        path = self.path(digest)
        try:
            with self._reaching("delete a blob"):
                self.fs.rm_file(path)
        except FileNotFoundError:
            pass

    def _write_atomic(self, target: str, write: Callable[[BinaryIO], None]) -> None:
        """Write so that a reader never sees half a blob (see the module's docstring)."""
        parent = target.rsplit("/", 1)[0]
        if not self._local:
            self._write_remote(target, write)
            return
        self.fs.makedirs(parent, exist_ok=True)
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as f:
                write(f)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _write_remote(self, target: str, write: Callable[[BinaryIO], None]) -> None:
        """One upload to the final key, abandoned (never completed) when ``write`` fails."""
        try:
            with self._reaching("store a blob"):
                if self._scheme not in OBJECT_STORES:
                    self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
                out = self.fs.open(target, "wb")
        except FileNotFoundError:
            raise StoreError(self._missing_bucket()) from None
        try:
            write(out)
        except BaseException:
            _abandon(out)
            raise
        try:
            with self._reaching("store a blob"):
                out.close()
        except FileNotFoundError:
            raise StoreError(self._missing_bucket()) from None

    def _missing_bucket(self) -> str:
        return (
            f"the blob store at {self.url} (MLOPS_BLOB_ROOT) cannot be written: its bucket "
            "does not exist; create it or point MLOPS_BLOB_ROOT at one that does"
        )

    def get_bytes(self, digest: str) -> bytes:
        path = self.path(digest)
        try:
            with self._reaching("read a blob"), self.fs.open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise NotFound(f"blob {digest} is not in the blob store at {self.url}") from None

    def open(self, digest: str) -> BinaryIO:
        path = self.path(digest)
        try:
            with self._reaching("read a blob"):
                return self.fs.open(path, "rb")
        except FileNotFoundError:
            raise NotFound(f"blob {digest} is not in the blob store at {self.url}") from None

    def get_file(self, digest: str, dest: str | os.PathLike) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.open(digest) as src, dest.open("wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        return dest


def _abandon(out) -> None:
    """Drop an unfinished upload: abort its multipart upload, never send its buffer."""
    discard = getattr(out, "discard", None)
    if discard is not None:
        try:
            discard()
        except Exception:
            pass  # the error that stopped the write is the one to report
    try:
        out.closed = True  # fsspec files would otherwise upload the buffer on close or del
    except AttributeError:
        pass


def _modified(info: dict) -> float:
    """Modification time from an fsspec ``info`` dict; now when the backend gives none."""
    value = info.get("mtime", info.get("LastModified", info.get("created")))
    if value is None:
        return time.time()
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)
