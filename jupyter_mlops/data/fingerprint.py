"""A content fingerprint of a table: the same values give the same sha256 anywhere.

The hash covers, column by column and in column order: the column name, its
Arrow type, and its values cut into **fixed blocks of ``BLOCK_ROWS`` rows
counted from the first row of the data** (the last block may be shorter).
Each block is hashed from normalised Arrow buffers (its length, which rows are
null, the values with null slots zeroed, slice offsets removed); a column's
digest is the sha256 of its name, type, row count and block digests.

Because blocks are defined by row positions, not by how the rows arrived, the
fingerprint is the same for one in-memory table, the same rows streamed as
record batches from a directory of Parquet or CSV files, or a Dask frame's
partitions (each hashes its whole blocks; the rows either side of a block
boundary are hashed where the parts meet). No per-process hash seeds are
involved, so it is stable across processes and machines.

- Row order matters: a shuffled frame is different data.
- Types matter: ``int64`` and ``float64`` columns holding the same numbers
  differ, and so do a pandas ``category`` and a plain string column; the
  32- and 64-bit offset variants of one type (``string``/``large_string``,
  ``binary``/``large_binary``) are the same type here.
- Column order matters too, because a snapshot gives back its columns in the
  stored order; reorder first (``df[sorted(df.columns)]``) if you want frames
  that differ only in column order to share a snapshot.
- The pandas index is not part of the data (see ``frames.to_table``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

FORMAT = b"jupyter-mlops-fingerprint-3"
BLOCK_ROWS = 16_384


def _fixed_width(t: pa.DataType) -> bool:
    if pa.types.is_nested(t) or pa.types.is_dictionary(t):
        return False
    try:
        return t.bit_width % 8 == 0
    except ValueError:
        return False


def _type_name(t: pa.DataType) -> str:
    """The type as hashed: large offset variants count as the plain type."""
    return str(t).replace("large_string", "string").replace("large_binary", "binary")


def _update_array(h, arr: pa.Array) -> None:
    t = arr.type
    h.update(str(len(arr)).encode())
    if arr.null_count:
        h.update(b"nulls")
        h.update(np.packbits(arr.is_null().to_numpy(zero_copy_only=False)).tobytes())
    if pa.types.is_dictionary(t):
        _update_array(h, arr.dictionary)
        _update_array(h, arr.indices)
        return
    if pa.types.is_boolean(t):
        values = arr.fill_null(False) if arr.null_count else arr
        h.update(np.packbits(values.to_numpy(zero_copy_only=False)).tobytes())
        return
    if pa.types.is_null(t):
        return
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
    ):
        _update_varbinary(h, arr)
        return
    if _fixed_width(t):
        width = t.bit_width // 8
        raw = np.frombuffer(
            arr.buffers()[1], dtype=np.uint8, count=len(arr) * width, offset=arr.offset * width
        )
        if arr.null_count:  # zero the null slots, whatever they hold
            raw = raw.reshape(len(arr), width).copy()
            raw[arr.is_null().to_numpy(zero_copy_only=False)] = 0
        h.update(raw)
        return
    # Nested and rare types: Arrow's IPC form of the array (deterministic for a given array).
    sink = pa.BufferOutputStream()
    batch = pa.record_batch([arr], names=["v"])
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    h.update(sink.getvalue())


def _update_varbinary(h, arr: pa.Array) -> None:
    if arr.null_count:  # null slots may hold bytes; make them empty
        arr = arr.fill_null(pa.scalar(b"" if pa.types.is_binary(arr.type) else "", arr.type))
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64 if large else np.int32)
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1]
    lengths = np.diff(offsets)
    h.update(lengths.astype(np.int32 if len(lengths) and lengths.max() < 2**31 else np.int64))
    if data_buf is not None and len(offsets):
        h.update(memoryview(data_buf)[int(offsets[0]) : int(offsets[-1])])


def _block_digest(arr: pa.Array) -> bytes:
    h = hashlib.sha256()
    _update_array(h, arr)
    return h.digest()


def _combined(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.Array):
        return col
    if col.num_chunks == 0:
        return pa.array([], type=col.type)
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def block_digests(col: pa.ChunkedArray | pa.Array, start: int = 0) -> list[bytes]:
    """Digests of the blocks of ``BLOCK_ROWS`` rows of ``col`` from row ``start`` on."""
    arr = _combined(col)
    return [_block_digest(arr.slice(i, BLOCK_ROWS)) for i in range(start, len(arr), BLOCK_ROWS)]


def column_digest(field: pa.Field, n_rows: int, blocks: Iterable[bytes]) -> bytes:
    h = hashlib.sha256()
    h.update(b"\x00col\x00" + field.name.encode("utf-8"))
    h.update(b"\x00type\x00" + _type_name(field.type).encode())
    h.update(b"\x00rows\x00" + str(n_rows).encode())
    for b in blocks:
        h.update(b)
    return h.digest()


def combine(column_digests: Iterable[bytes]) -> str:
    h = hashlib.sha256(FORMAT)
    for d in column_digests:
        h.update(d)
    return h.hexdigest()


def fingerprint(table: pa.Table) -> str:
    """sha256 hex digest of the table's names, types, nulls and values (see module doc).

    Columns are hashed in parallel threads (hashlib releases the GIL on large
    buffers); their digests are combined in column order.
    """
    pairs = list(zip(table.schema, table.columns))

    def one(pair) -> bytes:
        field, col = pair
        return column_digest(field, table.num_rows, block_digests(col))

    if table.num_rows * table.num_columns > 1_000_000 and len(pairs) > 1:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            digests = list(pool.map(one, pairs))
    else:
        digests = [one(p) for p in pairs]
    return combine(digests)


@dataclass
class FingerprintPart:
    """What one piece of the data (a Dask partition) contributes, given its first row's position.

    ``head`` is the rows before the piece's first block boundary, ``tail`` those
    after its last whole block; ``blocks`` the digests (per column) of the whole
    blocks between. Only these cross the network; the client stitches them.
    """

    n_rows: int
    head: pa.Table
    blocks: list[list[bytes]]
    tail: pa.Table


def fingerprint_part(table: pa.Table, offset: int) -> FingerprintPart:
    n = table.num_rows
    head_n = min(n, (-offset) % BLOCK_ROWS)
    whole = (n - head_n) // BLOCK_ROWS * BLOCK_ROWS
    body = table.slice(head_n, whole)
    blocks = [block_digests(c) for c in body.columns]
    return FingerprintPart(
        n, _compact(table.slice(0, head_n)), blocks, _compact(table.slice(head_n + whole))
    )


def _compact(rows: pa.Table | pa.RecordBatch) -> pa.Table:
    """A copy holding only these rows: a slice pickles (and keeps alive) its whole parent's buffers."""
    if isinstance(rows, pa.RecordBatch):
        rows = pa.Table.from_batches([rows])
    columns = [
        pa.concat_arrays(c.chunks) if c.num_chunks else pa.array([], c.type) for c in rows.columns
    ]
    return pa.Table.from_arrays(columns, schema=rows.schema)


class Fingerprinter:
    """The fingerprint of rows arriving in batches of any size (the same as of one table).

    Whole blocks are hashed straight from each batch (zero-copy slices); only
    the block that straddles two batches is concatenated, so at most
    ``BLOCK_ROWS`` rows per column are held or copied.
    """

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.n_rows = 0
        self._pending: list[pa.RecordBatch | pa.Table] = []
        self._pending_rows = 0
        self._blocks: list[list[bytes]] = [[] for _ in schema]

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        n = batch.num_rows
        if not n:
            return
        self.n_rows += n
        start = 0
        if self._pending_rows:
            need = BLOCK_ROWS - self._pending_rows
            if n < need:
                self._pending.append(batch)
                self._pending_rows += n
                return
            self._pending.append(batch.slice(0, need))
            self._hash(self._joined())
            start = need
        whole = (n - start) // BLOCK_ROWS * BLOCK_ROWS
        if whole:
            self._hash(batch.slice(start, whole))
        if n - start - whole:  # copied: a slice would keep the whole batch alive
            self._pending = [_compact(batch.slice(start + whole))]
            self._pending_rows = n - start - whole

    def add_part(self, part: FingerprintPart) -> None:
        self.update(part.head)
        if part.blocks and part.blocks[0]:
            if self._pending_rows:
                raise ValueError("fingerprint parts out of order")
            for mine, theirs in zip(self._blocks, part.blocks):
                mine.extend(theirs)
            self.n_rows += len(part.blocks[0]) * BLOCK_ROWS
        self.update(part.tail)

    def _joined(self) -> pa.Table:
        """The pending rows as one table; nothing is pending afterwards."""
        tables = [
            pa.Table.from_batches([b]) if isinstance(b, pa.RecordBatch) else b
            for b in self._pending
        ]
        self._pending, self._pending_rows = [], 0
        return pa.concat_tables(tables) if len(tables) > 1 else tables[0]

    def _hash(self, rows: pa.RecordBatch | pa.Table) -> None:
        for mine, col in zip(self._blocks, rows.columns):
            mine.extend(block_digests(col))

    def hexdigest(self) -> str:
        if self._pending_rows:
            self._hash(self._joined())
        return combine(column_digest(f, self.n_rows, b) for f, b in zip(self.schema, self._blocks))


class PartFingerprinter:
    """The ``FingerprintPart`` of rows streamed in batches, given their first row's position.

    Streams one file on a worker with bounded memory: the rows up to the first
    block boundary are kept as the head, whole blocks are hashed, and what is
    left at the end is the tail.
    """

    def __init__(self, schema: pa.Schema, offset: int) -> None:
        self.schema = schema
        self._head_n = (-offset) % BLOCK_ROWS
        self._head: list[pa.Table] = []
        self._head_rows = 0
        self._body = Fingerprinter(schema)

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        take = min(self._head_n - self._head_rows, batch.num_rows)
        if take > 0:
            self._head.append(_compact(pa.Table.from_batches([batch.slice(0, take)])))
            self._head_rows += take
            batch = batch.slice(take)
        self._body.update(batch)

    def part(self) -> FingerprintPart:
        body = self._body
        tail = _compact(body._joined()) if body._pending_rows else self.schema.empty_table()
        head = pa.concat_tables(self._head) if self._head else self.schema.empty_table()
        n = self._head_rows + body.n_rows
        return FingerprintPart(n, _compact(head), body._blocks, tail)
