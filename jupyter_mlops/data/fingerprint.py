"""A content fingerprint of a table: the same values give the same sha256 anywhere.

The hash covers, column by column and in column order:
the column name, its Arrow type, which rows are null, and the values.
Values are hashed from normalised Arrow buffers (chunks combined, slice offsets
removed, null slots zeroed), so the fingerprint does not depend on memory
layout (chunking, slicing, C or Fortran order of the pandas blocks) or on the
process (no per-process hash seeds are involved).

- Row order matters: a shuffled frame is different data.
- Types matter: ``int64`` and ``float64`` columns holding the same numbers
  differ, and so do a pandas ``category`` and a plain string column.
- Column order matters too, because a snapshot gives back its columns in the
  stored order; reorder first (``df[sorted(df.columns)]``) if you want frames
  that differ only in column order to share a snapshot.
- The pandas index is not part of the data (see ``frames.to_table``).
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

FORMAT = b"jupyter-mlops-fingerprint-2"


def _fixed_width(t: pa.DataType) -> bool:
    if pa.types.is_nested(t) or pa.types.is_dictionary(t):
        return False
    try:
        return t.bit_width % 8 == 0
    except ValueError:
        return False


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


def _column_digest(field: pa.Field, col: pa.ChunkedArray) -> bytes:
    h = hashlib.sha256()
    h.update(b"\x00col\x00" + field.name.encode("utf-8"))
    h.update(b"\x00type\x00" + str(field.type).encode())
    if col.num_chunks == 0:
        arr = pa.array([], type=field.type)
    else:
        arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    _update_array(h, arr)
    return h.digest()


def fingerprint(table: pa.Table) -> str:
    """sha256 hex digest of the table's names, types, nulls and values (see module doc).

    Columns are hashed in parallel threads (hashlib releases the GIL on large
    buffers); their digests are combined in column order.
    """
    pairs = list(zip(table.schema, table.columns))
    if table.num_rows * table.num_columns > 1_000_000 and len(pairs) > 1:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            digests = list(pool.map(lambda fc: _column_digest(*fc), pairs))
    else:
        digests = [_column_digest(f, c) for f, c in pairs]
    h = hashlib.sha256(FORMAT)
    for d in digests:
        h.update(d)
    return h.hexdigest()
