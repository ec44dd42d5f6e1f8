"""Snapshots of data sets that need not fit in memory: files (copied or referenced) and Dask frames.

The flow: find the files (``sources.open_dataset``), decide ``keep`` (a copy
below ``MLOPS_SNAPSHOT_COPY_LIMIT``, else a reference), fingerprint and
profile in one streamed pass (``stream.scan``; on a Dask cluster, one task per
row group, file or partition: ``dask_source``), and only then write: the
Parquet copy (streamed to a temporary file while scanning) and the profile go
to the blob store, and one transaction adds the row with its files. A file
that cannot be read stops the pass before anything is stored.
"""

from __future__ import annotations

import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from ..errors import InvalidArgument
from ..store import get_store
from ..store import snapshots as snap_store
from ..store.snapshots import SnapshotInfo
from .fingerprint import fingerprint
from .frames import schema_of, to_table
from .profile import EDGE_SAMPLE, TableProfile, profile_chunks
from .sources import Dataset, FileEntry, open_dataset, reopen
from .stream import (
    IN_MEMORY_CSV_BYTES,
    IN_MEMORY_ROWS,
    PROFILE_THREADS,
    Scanned,
    numeric_columns,
    parquet_writer,
    sample_edges,
    scan,
)

COPY_LIMIT = 2**30
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def copy_limit() -> int:
    """Bytes of files above which a snapshot keeps a reference: ``MLOPS_SNAPSHOT_COPY_LIMIT``."""
    raw = os.environ.get("MLOPS_SNAPSHOT_COPY_LIMIT")
    if not raw:
        return COPY_LIMIT
    m = _SIZE.match(raw)
    if not m:
        raise InvalidArgument("MLOPS_SNAPSHOT_COPY_LIMIT", "a size like 1000000, 500MB or 2GB", raw)
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "")[:1].lower()])


def _fits(src: Dataset) -> bool:
    if src.n_rows is not None:
        return src.n_rows <= IN_MEMORY_ROWS
    return src.total_bytes <= IN_MEMORY_CSV_BYTES


def snapshot_source(
    data: Any,
    name: str,
    run_id: str | None,
    *,
    description: str | None,
    keep: str | None,
    cluster: Any,
) -> SnapshotInfo:
    from .dask_source import is_dask_frame, scan_dask

    if is_dask_frame(data):
        if keep == "reference":
            raise InvalidArgument(
                "keep", "'copy' for a Dask frame (snapshot its files to keep a reference)", keep
            )
        scanned, schema = scan_dask(data, cluster)
        return _store(scanned, schema, name, run_id, description, "copy", None, data)
    src = open_dataset(data)
    mode = keep or ("reference" if src.total_bytes > copy_limit() else "copy")
    if cluster is None and _fits(src):
        table = to_table(src.read_all(), "data")
        if mode == "copy":
            from .snapshot import snapshot_table

            return snapshot_table(table, name, run_id, description=description)
        scanned = _scan_table(table)
        return _store(scanned, table.schema, name, run_id, description, mode, src, None)
    edges = sample_edges(src.sample(numeric_columns(src.schema), EDGE_SAMPLE))
    if cluster is not None:
        from .dask_source import scan_files_on_cluster

        scanned = scan_files_on_cluster(src, edges, cluster)
        return _store(scanned, src.schema, name, run_id, description, mode, src, None)
    if mode == "reference":
        scanned = scan(src.batches(), src.schema, edges, total_rows=src.n_rows)
        return _store(scanned, src.schema, name, run_id, description, mode, src, None)
    with tempfile.TemporaryDirectory(prefix="mlops-snapshot-") as tmp:
        path = os.path.join(tmp, "data.parquet")
        with parquet_writer(path, src.schema) as writer:
            scanned = scan(src.batches(), src.schema, edges, writer=writer, total_rows=src.n_rows)
        return _store(scanned, src.schema, name, run_id, description, mode, src, path)


def _scan_table(table: pa.Table) -> Scanned:
    """Fingerprint and profile of a table read whole, the hashing beside the profiling."""
    with ThreadPoolExecutor(PROFILE_THREADS + 1, thread_name_prefix="mlops-snapshot") as pool:
        digest = pool.submit(fingerprint, table)
        profile = profile_chunks(table, pool=pool)
        return Scanned(digest.result(), profile, table.num_rows)


def _check_rows(scanned: Scanned) -> None:
    if scanned.n_rows == 0:
        raise InvalidArgument("data", "at least one row", "a data set with no rows")


def _store(
    scanned: Scanned,
    schema: pa.Schema,
    name: str,
    run_id: str | None,
    description: str | None,
    mode: str,
    src: Dataset | None,
    data: Any,
) -> SnapshotInfo:
    """Dedup by fingerprint, then blobs (copy and profile), then one transaction."""
    _check_rows(scanned)
    store = get_store()
    existing, content = snap_store.find_existing(store, name, scanned.fingerprint, mode)
    if existing is not None:
        if run_id is not None:
            snap_store.link_run(store, run_id, existing.id)
        return existing
    files = None
    if mode == "reference":
        assert src is not None
        data_digest, data_size = "", src.total_bytes
        files = [f.to_dict() for f in src.files]
    elif content is not None:
        data_digest, data_size = content.data_digest, content.data_size
    else:
        ref = _put_copy(store, data)
        data_digest, data_size = ref.digest, ref.size
    profile_ref = store.blobs.put_bytes(scanned.profile.to_bytes())
    from .snapshot import remember_profile

    remember_profile(profile_ref.digest, scanned.profile)
    return snap_store.create_snapshot(
        store,
        name=name,
        fingerprint=scanned.fingerprint,
        run_id=run_id,
        files=files,
        data_digest=data_digest,
        data_size=data_size,
        profile_digest=profile_ref.digest,
        schema=_schema_rows(schema, scanned.profile),
        n_rows=scanned.n_rows,
        n_columns=len(schema),
        description=description,
        storage=mode,
        source=None if src is None or mode == "copy" else src.source(),
    )


def _put_copy(store, data: Any):
    """The Parquet copy: a file written while scanning, or a Dask frame's partitions in turn."""
    if isinstance(data, str):
        return store.blobs.put_file(data)
    from .dask_source import write_partitions

    with tempfile.TemporaryDirectory(prefix="mlops-snapshot-") as tmp:
        path = os.path.join(tmp, "data.parquet")
        write_partitions(data, path)
        return store.blobs.put_file(path)


def _schema_rows(schema: pa.Schema, profile: TableProfile) -> list[dict[str, Any]]:
    """``schema_of`` for data never held whole: nullability from the profile's counts."""
    rows = schema_of(schema.empty_table())
    for row in rows:
        p = profile.columns.get(row["name"])
        row["nullable"] = bool(p is not None and p.nulls > 0)
    return rows


def referenced_dataset(info: SnapshotInfo):
    """The files of a reference snapshot as a ``pyarrow.dataset``, checked unchanged."""
    rows = snap_store.snapshot_files(get_store(), info.id)
    if info.source is None or not rows:
        raise InvalidArgument("snapshot", "a snapshot kept by reference with its files", info.ref)
    return reopen(info.source, [FileEntry(**r) for r in rows])
