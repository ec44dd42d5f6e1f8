"""One pass over record batches: fingerprint, merged profile and (optionally) a Parquet copy.

The streaming rule for histogram edges (docs/data.md, "Data sets on disk"):
a data set small enough to hold (``IN_MEMORY_ROWS`` rows) is profiled exactly
as the same rows in a frame. Above that, each numeric column's edges are
``default_edges`` of a bounded sample read first (``sample_edges``: the first
rows of up to ``SAMPLE_PIECES`` evenly spaced row groups, files or
partitions, at most ``EDGE_SAMPLE`` values), so the same files always get the
same edges; the batches are then profiled in chunks of about ``CHUNK_ROWS``
rows on those edges and merged (exact counts, histograms and categories).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .fingerprint import Fingerprinter, FingerprintPart, PartFingerprinter
from .frames import DATETIME, NUMERIC, column_kind
from .profile import (
    PROGRESS_CELLS,
    TableProfile,
    default_edges,
    merge_profiles,
    numeric_values,
    profile_table,
)

IN_MEMORY_ROWS = 1_000_000
IN_MEMORY_CSV_BYTES = 100 * 2**20
CHUNK_ROWS = 131_072
SAMPLE_PIECES = 8
PROFILE_THREADS = min(2, os.cpu_count() or 1)


def numeric_columns(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema if column_kind(f.type) in (NUMERIC, DATETIME)]


def sample_edges(sample: pa.Table) -> dict[str, tuple[float, ...]]:
    """Edges of each numeric column of ``sample`` (exact quantiles, so repeatable)."""
    edges = {}
    for name, col in zip(sample.column_names, sample.columns):
        if column_kind(col.type) in (NUMERIC, DATETIME):
            x = numeric_values(col)
            edges[name] = default_edges(np.sort(x[np.isfinite(x)]))
    return edges


@dataclass
class Scanned:
    fingerprint: str
    profile: TableProfile
    n_rows: int
    part: FingerprintPart | None = None  # with ``scan(offset=...)``: the piece's share


def _progress(total_rows: int | None, n_columns: int, desc: str):
    if not total_rows or total_rows * n_columns < PROGRESS_CELLS:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total_rows, desc=desc, unit="row", unit_scale=True, leave=False)


def merge_all(profiles: Iterable[TableProfile], schema: pa.Schema) -> TableProfile:
    result = None
    for p in profiles:
        result = p if result is None else merge_profiles(result, p)
    if result is None:
        return profile_table(schema.empty_table())
    return result


class _Hasher:
    """Fingerprints batches in order on one background thread, beside the profiling.

    hashlib, numpy's sort and Arrow's kernels release the GIL, so hashing a
    batch overlaps with profiling the previous chunk; one batch at most waits.
    """

    def __init__(self, schema: pa.Schema, offset: int | None = None) -> None:
        self.fp = Fingerprinter(schema) if offset is None else PartFingerprinter(schema, offset)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="mlops-fingerprint")
        self._last: Future | None = None

    def update(self, batch: pa.RecordBatch) -> None:
        if self._last is not None:
            self._last.result()
        self._last = self._pool.submit(self.fp.update, batch)

    def result(self) -> tuple[str, FingerprintPart | None]:
        """The digest, or for a piece of the data (``offset``) its part."""
        self.close()
        if isinstance(self.fp, PartFingerprinter):
            return "", self.fp.part()
        return self.fp.hexdigest(), None

    def close(self) -> None:
        try:
            if self._last is not None:
                self._last.result()
        finally:
            self._last = None
            self._pool.shutdown(wait=True)


def scan(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    edges: dict[str, Sequence[float]],
    *,
    writer=None,
    total_rows: int | None = None,
    fingerprint: bool = True,
    offset: int | None = None,
) -> Scanned:
    """Fingerprint and profile the batches (and hand each to ``writer``) in one pass.

    ``offset``: the batches are a piece of the data starting at that row (a
    task on a cluster); the result carries the piece's fingerprint part.
    """
    hasher = _Hasher(schema, offset) if fingerprint else None
    columns = ThreadPoolExecutor(PROFILE_THREADS, thread_name_prefix="mlops-profile")
    merged: TableProfile | None = None
    pending: list[pa.RecordBatch] = []
    pending_rows = n_rows = 0
    bar = _progress(total_rows, len(schema), "snapshot")

    def flush() -> None:
        nonlocal merged, pending, pending_rows
        if pending:
            part = profile_table(
                pa.Table.from_batches(pending, schema=schema), edges=edges, pool=columns
            )
            merged = part if merged is None else merge_profiles(merged, part)
        pending, pending_rows = [], 0

    try:
        for batch in batches:
            if hasher is not None:
                hasher.update(batch)
            if writer is not None:
                writer.write_batch(batch)
            pending.append(batch)
            pending_rows += batch.num_rows
            n_rows += batch.num_rows
            if bar is not None:
                bar.update(batch.num_rows)
            if pending_rows >= CHUNK_ROWS:
                flush()
        flush()
        digest, part = hasher.result() if hasher is not None else ("", None)
    finally:
        columns.shutdown(wait=True)
        if hasher is not None:
            hasher.close()
        if bar is not None:
            bar.close()
    profile = merge_all([merged] if merged is not None else [], schema)
    return Scanned(digest, profile, n_rows, part)


def parquet_writer(path: str | os.PathLike, schema: pa.Schema):
    """A Parquet writer with the options of a snapshot's copy (see ``snapshot._parquet_bytes``)."""
    import pyarrow.parquet as pq

    floats = {f.name for f in schema if pa.types.is_floating(f.type)}
    return pq.ParquetWriter(
        str(path),
        schema,
        compression={n: "NONE" if n in floats else "SNAPPY" for n in schema.names},
        use_dictionary=[n for n in schema.names if n not in floats] or False,
    )
