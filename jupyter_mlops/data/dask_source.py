"""Dask: profiles and fingerprints computed where the data is, merged on the client.

A Dask DataFrame (or, with ``cluster=``, a file data set split into row
groups or files) becomes one task per piece: the piece is turned into an Arrow
table on the worker (the same ``to_table`` rules as a frame), profiled on
edges fixed beforehand from a bounded sample (see ``stream.py``), and cut into
fingerprint blocks from its first row's position in the whole (a chain of
row counts, so each piece is read once). Only the profiles and the
fingerprint parts (block digests and the rows either side of a block
boundary, fewer than ``BLOCK_ROWS`` each) come back; the client merges them
in order, so the results equal the single-machine ones.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from ..errors import InvalidArgument
from .fingerprint import Fingerprinter, FingerprintPart, fingerprint_part
from .frames import to_table
from .profile import EDGE_SAMPLE, TableProfile, profile_table
from .stream import SAMPLE_PIECES, Scanned, merge_all, numeric_columns, sample_edges


def is_dask_frame(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "dask" and hasattr(x, "to_delayed")


def client_for(cluster: Any):
    """None (Dask's default scheduler), a ``distributed.Client``, or one for an address."""
    if cluster is None:
        return None
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - the cluster extra
        raise InvalidArgument(
            "cluster", "dask.distributed installed (pip install 'jupyter-mlops[cluster]')", cluster
        ) from None
    if isinstance(cluster, Client):
        return cluster
    if isinstance(cluster, str):
        try:
            return Client(cluster, timeout="10s", set_as_default=False)
        except OSError as exc:
            raise InvalidArgument(
                "cluster", "the address of a running Dask scheduler", cluster, hint=str(exc)
            ) from None
    raise InvalidArgument(
        "cluster", "a scheduler address 'tcp://...' or a distributed.Client", cluster
    )


def _compute(objs: list, client) -> list:
    import dask

    if client is None:
        return list(dask.compute(*objs))
    return client.gather(client.compute(objs))


def _piece(
    table: pa.Table, offset: int | None, edges: dict[str, Sequence[float]]
) -> tuple[TableProfile, FingerprintPart | None, pa.Schema]:
    part = None if offset is None else fingerprint_part(table, offset)
    return profile_table(table, edges=edges), part, table.schema


def _partition_table(df) -> pa.Table:
    return to_table(df, "data", allow_empty=True)


def _merge(results: list, fingerprint: bool) -> tuple[Scanned, pa.Schema]:
    schema = results[0][2]
    for i, (_, _, s) in enumerate(results):
        if not s.equals(schema, check_metadata=False):
            raise InvalidArgument(
                "data", f"pieces of one schema (piece 0: {schema})", f"piece {i}: {s}"
            )
    profile = merge_all([r[0] for r in results], schema)
    digest = ""
    if fingerprint:
        fp = Fingerprinter(schema)
        for _, part, _ in results:
            fp.add_part(part)
        digest = fp.hexdigest()
    return Scanned(digest, profile, profile.n_rows), schema


def _run(tables: list, edges, client, fingerprint: bool) -> tuple[Scanned, pa.Schema]:
    from dask import delayed

    tasks, offset = [], 0
    for t in tables:
        tasks.append(delayed(_piece)(t, offset if fingerprint else None, edges))
        if fingerprint:
            offset = delayed(operator.add)(offset, delayed(operator.attrgetter("num_rows"))(t))
    if not tasks:
        raise InvalidArgument("data", "at least one partition", "none")
    return _merge(_compute(tasks, client), fingerprint)


def _dask_edges(ddf, client) -> dict[str, tuple[float, ...]]:
    n = ddf.npartitions
    take = sorted({round(i * (n - 1) / max(1, SAMPLE_PIECES - 1)) for i in range(SAMPLE_PIECES)})
    per = max(1, EDGE_SAMPLE // len(take))
    heads = [ddf.partitions[i].head(per, npartitions=1, compute=False) for i in take]
    frames = _compute(heads, client)
    import pandas as pd

    return sample_edges(_partition_table(pd.concat(frames, ignore_index=True)))


def scan_dask(ddf, cluster: Any = None) -> tuple[Scanned, pa.Schema]:
    """Fingerprint and profile of a Dask frame, one task per partition."""
    from dask import delayed

    client = client_for(cluster)
    edges = _dask_edges(ddf, client)
    tables = [delayed(_partition_table)(p) for p in ddf.to_delayed()]
    return _run(tables, edges, client, True)


def profile_dask(ddf, edges: dict | None, cluster: Any = None) -> TableProfile:
    """The merged profile of a Dask frame (on given edges, e.g. a reference's or rules')."""
    from dask import delayed

    client = client_for(cluster)
    edges = dict(edges or {})
    meta = _partition_table(ddf._meta).schema
    if any(n not in edges for n in numeric_columns(meta)):  # the rest fixed from a sample
        edges = {**_dask_edges(ddf, client), **edges}
    tables = [delayed(_partition_table)(p) for p in ddf.to_delayed()]
    return _run(tables, edges, client, False)[0].profile


def _read_piece(src, path: str, row_group: int | None) -> pa.Table:
    frag = next(iter(src.dataset([path]).get_fragments()))
    if row_group is not None:
        frag = frag.split_by_row_group()[row_group]
    return frag.to_table(schema=src.schema, **src.scan_options())


def _row_group_piece(
    src, path: str, row_group: int, offset: int, edges: dict[str, Sequence[float]]
) -> tuple[TableProfile, FingerprintPart, pa.Schema]:
    """One task: read a row group, profile it and cut its fingerprint blocks; the table stays."""
    return _piece(_read_piece(src, path, row_group), offset, edges)


def _file_piece(
    src, path: str, offset: int, edges: dict[str, Sequence[float]]
) -> tuple[TableProfile, FingerprintPart | None, pa.Schema]:
    """One task: stream a file's batches (bounded memory), as the single-machine scan does."""
    from .stream import scan

    scanned = scan(src.batches(paths=[path]), src.schema, edges, offset=offset)
    return scanned.profile, scanned.part, src.schema


def _pieces(src, min_tasks: int) -> list[tuple[str, int | None, int]]:
    """(path, row group or None for the whole file, first row's position), from the footers.

    Whole files when there are enough of them to keep every worker busy (fewer
    fingerprint parts to stitch), else row groups.
    """
    by_file = len(src.paths) >= min_tasks
    pieces, offset = [], 0
    for frag, path in zip(src.dataset().get_fragments(), src.paths):
        meta = frag.metadata
        if by_file:
            pieces.append((path, None, offset))
            offset += meta.num_rows
            continue
        for i in range(meta.num_row_groups):
            pieces.append((path, i, offset))
            offset += meta.row_group(i).num_rows
    return pieces


def scan_files_on_cluster(src, edges, cluster: Any) -> Scanned:
    """A file data set profiled on a Dask cluster: one task per Parquet file or row group.

    Parquet pieces know their first row's position from the footers, so each
    is one task (read, profile, fingerprint blocks) returning only its profile
    and fingerprint part; CSV files chain their row counts.
    """
    from dask import delayed

    client = client_for(cluster)
    if src.format != "parquet":
        tables = [delayed(_read_piece)(src, path, None) for path in src.paths]
        return _run(tables, edges, client, True)[0]
    src_key = delayed(src, pure=True)  # sent to each worker once, not with every task
    threads = sum(client.nthreads().values()) if client is not None else 1
    tasks = [
        delayed(_file_piece, pure=True)(src_key, path, offset, edges)
        if rg is None
        else delayed(_row_group_piece, pure=True)(src_key, path, rg, offset, edges)
        for path, rg, offset in _pieces(src, 2 * threads)
    ]
    return _merge(_compute(tasks, client), True)[0]


def write_partitions(ddf, path: str) -> None:
    """Copy a Dask frame into one Parquet file, one partition in memory at a time."""
    from .stream import parquet_writer

    writer = None
    try:
        for part in ddf.to_delayed():
            table = _partition_table(part.compute())
            if writer is None:
                writer = parquet_writer(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
