"""Snapshots: a named, versioned, fingerprinted copy of a data frame in the store.

Data sets on disk or in an object store (a path or fsspec URL, see
``sources.py``) are streamed (``stream.py``) and either copied as one Parquet
blob or, above ``MLOPS_SNAPSHOT_COPY_LIMIT`` (default 1 GB) or with
``keep="reference"``, kept by reference to their files (``dataset_snapshot.py``).

``snapshot(df, "train")`` fingerprints the frame (see ``fingerprint.py``). If
``train`` already holds that content, the existing version is returned and
nothing is written; if another name holds it, its Parquet and profile blobs
are reused. Otherwise the Parquet file is written (in a thread, while the
profile is computed), both go to the content-addressed blob store, and one
transaction (in ``store/snapshots.py``) adds the row ``train@N``, the
run-input link and an event.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InvalidArgument
from ..store import Store, get_store
from ..store import snapshots as snap_store
from ..store.blobs import BlobRef
from ..store.snapshots import SnapshotInfo
from .fingerprint import fingerprint
from .frames import schema_of, to_table
from .profile import TableProfile, profile_chunks

SnapshotRef = str | int | SnapshotInfo


def _run_id(run: Any) -> str | None:
    """The run to link: None means the active run (if any), False means none."""
    if run is False:
        return None
    if run is None:
        from ..tracking.run import active_run

        active = active_run()
        return None if active is None else active.id
    if isinstance(run, str):
        return run
    run_id = getattr(run, "id", None)
    if isinstance(run_id, str):
        return run_id
    raise InvalidArgument("run", "a Run, a run id, None (the active run) or False", run)


def _parquet_bytes(table: pa.Table) -> bytes:
    # Dictionary encoding and snappy pay for categories, ids and text; continuous
    # floats gain nothing from either, so they are written plain.
    floats = {f.name for f in table.schema if pa.types.is_floating(f.type)}
    buf = io.BytesIO()
    pq.write_table(
        table,
        buf,
        compression={n: "NONE" if n in floats else "SNAPPY" for n in table.column_names},
        use_dictionary=[n for n in table.column_names if n not in floats] or False,
    )
    return buf.getvalue()


def _write_blobs(store: Store, table: pa.Table) -> tuple[BlobRef, BlobRef]:
    """Parquet blob (written in a thread; pyarrow releases the GIL) and profile blob."""
    result: dict[str, Any] = {}

    def write_parquet() -> None:
        try:
            result["data"] = store.blobs.put_bytes(_parquet_bytes(table))
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=write_parquet, name="mlops-parquet", daemon=True)
    worker.start()
    try:
        profile = profile_chunks(table)
        profile_ref = store.blobs.put_bytes(profile.to_bytes())
    finally:
        worker.join()
    if "error" in result:
        raise result["error"]
    remember_profile(profile_ref.digest, profile)
    return result["data"], profile_ref


KEEP = ("copy", "reference")


def snapshot(
    data: Any,
    name: str,
    run: Any = None,
    *,
    description: str | None = None,
    keep: str | None = None,
    cluster: Any = None,
) -> SnapshotInfo:
    """Store ``data`` as the next version of ``name`` (or return the version holding it).

    ``data``: a frame (pandas, pyarrow, polars), a Dask DataFrame, or the path
    or fsspec URL of Parquet/CSV files. ``run``: the run that read this data
    (lineage); None means the active run if one is open, False records no
    link. ``keep``: "copy" (a Parquet blob in the store) or "reference" (files
    only, recorded with their size and ETag or modification time); the default
    copies unless the files are larger than ``MLOPS_SNAPSHOT_COPY_LIMIT``.
    ``cluster``: a Dask scheduler address or ``distributed.Client`` to profile on.
    """
    snap_store.check_name(name)
    if description is not None and not isinstance(description, str):
        raise InvalidArgument("description", "a string", description)
    if keep is not None and keep not in KEEP:
        raise InvalidArgument("keep", "'copy' or 'reference'", keep)
    from .dask_source import is_dask_frame
    from .sources import is_dataset_url

    if is_dataset_url(data) or is_dask_frame(data):
        from .dataset_snapshot import snapshot_source

        return snapshot_source(
            data, name, _run_id(run), description=description, keep=keep, cluster=cluster
        )
    if keep == "reference":
        raise InvalidArgument(
            "keep", "'copy' for data in memory (only files can be kept by reference)", keep
        )
    if cluster is not None:
        raise InvalidArgument("cluster", "None for data in memory (a Dask frame or files)", cluster)
    return snapshot_table(to_table(data), name, _run_id(run), description=description)


def snapshot_table(
    table: pa.Table, name: str, run_id: str | None, *, description: str | None = None
) -> SnapshotInfo:
    """The in-memory path: fingerprint, dedup, then Parquet and profile blobs and the row."""
    fp = fingerprint(table)
    store = get_store()
    existing, content = snap_store.find_existing(store, name, fp)
    if existing is not None:
        if run_id is not None:
            snap_store.link_run(store, run_id, existing.id)
        return existing
    if content is not None:
        data_ref = BlobRef(content.data_digest, content.data_size)
        profile_digest = content.profile_digest
    else:
        data_ref, profile_ref = _write_blobs(store, table)
        profile_digest = profile_ref.digest
    return snap_store.create_snapshot(
        store,
        name=name,
        fingerprint=fp,
        run_id=run_id,
        data_digest=data_ref.digest,
        data_size=data_ref.size,
        profile_digest=profile_digest,
        schema=schema_of(table),
        n_rows=table.num_rows,
        n_columns=table.num_columns,
        description=description,
    )


def is_snapshot_ref(x: Any) -> bool:
    """True for what names a stored snapshot ('train@3', an id, a SnapshotInfo) rather than data."""
    return isinstance(x, (str, SnapshotInfo)) or (isinstance(x, int) and not isinstance(x, bool))


def get_snapshot(ref: SnapshotRef) -> SnapshotInfo:
    """The stored snapshot ``ref`` ('train@3', 'train@latest', 'train', an id)."""
    if isinstance(ref, SnapshotInfo):
        return ref
    return snap_store.resolve(get_store(), ref)


def load_snapshot(
    ref: SnapshotRef, columns: list[str] | None = None, *, as_arrow: bool = False
) -> pd.DataFrame | pa.Table:
    """The data of a snapshot as a pandas DataFrame (or a pyarrow Table)."""
    info = get_snapshot(ref)
    if columns is not None:
        missing = sorted(set(columns) - set(info.columns))
        if missing:
            raise InvalidArgument("columns", f"columns of {info.ref}", missing)
    if info.storage == "reference":
        from .dataset_snapshot import referenced_dataset

        table = referenced_dataset(info).to_table(columns=columns)
        return table if as_arrow else table.to_pandas()
    with get_store().blobs.open(info.data_digest) as f:
        table = pq.read_table(f, columns=columns)
    return table if as_arrow else table.to_pandas()


def snapshot_batches(
    ref: SnapshotRef, columns: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """The data of a snapshot as record batches, in its row order, without holding all of it."""
    info = get_snapshot(ref)
    if info.storage == "reference":
        from .dataset_snapshot import referenced_dataset

        yield from referenced_dataset(info).batches(columns)
        return
    with get_store().blobs.open(info.data_digest) as f:
        yield from pq.ParquetFile(f).iter_batches(columns=columns)


_profile_cache: dict[str, TableProfile] = {}
_cache_lock = threading.Lock()


def get_profile(ref: SnapshotRef) -> TableProfile:
    """The stored column profile of a snapshot (no data is read)."""
    info = get_snapshot(ref)
    return _profile_by_digest(get_store(), info.profile_digest)


def remember_profile(digest: str, profile: TableProfile) -> None:
    """Keep a profile just stored under ``digest``, so the first drift need not read it back."""
    with _cache_lock:
        _profile_cache[digest] = profile


def _profile_by_digest(store: Store, digest: str) -> TableProfile:
    # Profiles are content-addressed, so a cached one can never be stale.
    cached = _profile_cache.get(digest)
    if cached is None:
        cached = TableProfile.from_bytes(store.blobs.get_bytes(digest))
        with _cache_lock:
            if len(_profile_cache) > 256:
                _profile_cache.clear()
            _profile_cache[digest] = cached
    return cached


def list_snapshots(name: str | None = None, *, all_versions: bool = True) -> list[SnapshotInfo]:
    """Stored snapshots, newest version first per name."""
    return snap_store.list_snapshots(get_store(), name, all_versions=all_versions)


def snapshots_of_run(run_id: Any) -> list[SnapshotInfo]:
    """The snapshots a run read (its recorded inputs)."""
    rid = _run_id(run_id) if run_id is not None else None
    if rid is None:
        raise InvalidArgument("run_id", "a run or run id", run_id)
    return snap_store.snapshots_of_run(get_store(), rid)


def runs_of_snapshot(ref: SnapshotRef) -> list[str]:
    """Ids of the runs that read a snapshot."""
    return snap_store.runs_of_snapshot(get_store(), get_snapshot(ref).id)


def log_input(ref: SnapshotRef, run: Any = None) -> SnapshotInfo:
    """Record that a run (default: the active one) read an already stored snapshot."""
    info = get_snapshot(ref)
    run_id = _run_id(run)
    if run_id is None:
        raise InvalidArgument("run", "an open run or a run id", run)
    snap_store.link_run(get_store(), run_id, info.id)
    return info
