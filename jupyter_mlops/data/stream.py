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
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .fingerprint import Fingerprinter
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
CHUNK_ROWS = 262_144
SAMPLE_PIECES = 8


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


def scan(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    edges: dict[str, Sequence[float]],
    *,
    writer=None,
    total_rows: int | None = None,
    fingerprint: bool = True,
) -> Scanned:
    """Fingerprint and profile the batches (and hand each to ``writer``) in one pass."""
    fp = Fingerprinter(schema) if fingerprint else None
    profiles: list[TableProfile] = []
    pending: list[pa.RecordBatch] = []
    pending_rows = n_rows = 0
    bar = _progress(total_rows, len(schema), "snapshot")

    def flush() -> None:
        nonlocal pending, pending_rows
        if pending:
            chunk = pa.Table.from_batches(pending, schema=schema)
            part = profile_table(chunk, edges=edges)
            profiles[:] = [part if not profiles else merge_profiles(profiles[0], part)]
        pending, pending_rows = [], 0

    try:
        for batch in batches:
            if fp is not None:
                fp.update(batch)
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
    finally:
        if bar is not None:
            bar.close()
    profile = merge_all(profiles, schema)
    return Scanned(fp.hexdigest() if fp is not None else "", profile, n_rows)


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
