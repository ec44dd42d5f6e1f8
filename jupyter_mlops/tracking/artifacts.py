"""Logging files, folders and bytes as artifacts of a run.

A folder is all or nothing: every file name is checked, and every clash with an
artifact the run already has is found, before any blob is written; the rows
then go in one transaction. A bad name deep in the folder leaves no row and no
orphan blob.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from pathlib import Path

from ..errors import Conflict, InvalidArgument
from ..store import Store
from ..store import artifacts as artifact_store
from ..store.entities import ArtifactInfo
from .validation import check_key


def log_artifact(
    store: Store, run_id: str, path_or_bytes: str | os.PathLike | bytes, name: str | None = None
) -> list[ArtifactInfo]:
    """Store a file, a folder (each file under ``name/``) or bytes as artifacts of ``run_id``."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        if name is None:
            raise InvalidArgument("name", "an artifact name when logging bytes")
        name = check_key(name, "name")
        ref = store.blobs.put_bytes(bytes(path_or_bytes))
        return [
            artifact_store.add_artifact(store, run_id, name, ref.digest, ref.size, media_type(name))
        ]
    if not isinstance(path_or_bytes, (str, os.PathLike)):
        raise InvalidArgument(
            "path_or_bytes", "a file path, a folder path or bytes", type(path_or_bytes).__name__
        )
    path = Path(path_or_bytes)
    if not path.exists():
        raise InvalidArgument(
            "path_or_bytes", "an existing file or folder (pass bytes to log content)", str(path)
        )
    base = check_key(name if name is not None else path.name, "name")
    if path.is_file():
        ref = store.blobs.put_file(path)
        return [
            artifact_store.add_artifact(store, run_id, base, ref.digest, ref.size, media_type(base))
        ]
    return _log_folder(store, run_id, path, base)


def _log_folder(store: Store, run_id: str, path: Path, base: str) -> list[ArtifactInfo]:
    files = {
        check_key(f"{base}/{file.relative_to(path).as_posix()}", "name"): file
        for file in sorted(p for p in path.rglob("*") if p.is_file())
    }
    stored = {a.name: a.digest for a in artifact_store.list_artifacts(store, run_id)}
    for name in files.keys() & stored.keys():
        with files[name].open("rb") as f:
            if hashlib.file_digest(f, "sha256").hexdigest() != stored[name]:
                raise Conflict(
                    f"run {run_id[:8]} already has an artifact {name!r} with other "
                    "content; artifacts are immutable, log the folder under another name"
                )
    items = []
    for name, file in files.items():
        ref = store.blobs.put_file(file)
        items.append((name, ref.digest, ref.size, media_type(name)))
    return artifact_store.add_artifacts(store, run_id, items)


def media_type(name: str) -> str | None:
    return mimetypes.guess_type(name)[0]
