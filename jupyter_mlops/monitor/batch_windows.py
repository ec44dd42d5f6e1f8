"""The inference log's windows of one batch scoring: one per chunk, written together at the end.

A batch window does not copy its input rows: they are rows ``[rows_offset,
rows_offset + n_rows)`` of the input snapshot the scoring run records, so its
own Parquet blob holds only the prediction, the id and the timestamp. Its
profile (inputs and prediction) is computed from the chunk, as a served
window's is, so drift against a reference reads no rows. The windows and their
id ranges land in one transaction once the input snapshot exists: a batch that
fails leaves no window.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import pyarrow as pa

from ..store import get_store
from ..store import monitoring as monitor_store
from ..store.prediction_ids import IdRanges
from .log import free_names, parquet_bytes

if TYPE_CHECKING:
    from ..store.monitoring import WindowInfo

NAMES = ("prediction", "prediction_id", "timestamp")


class BatchWindows:
    """Profiles and blobs of each chunk, made while the next chunk is scored."""

    def __init__(self, model: str, version: int, alias: str | None, columns: list[str]) -> None:
        self.model, self.version, self.alias = model, version, alias
        self.columns = columns
        self.names = free_names(columns, NAMES)
        self.store = get_store()
        self._windows: list[tuple[WindowInfo, IdRanges]] = []
        self._rows = 0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="mlops-batch-log")
        self._pending: Future | None = None

    def add(self, chunk: pa.Table, predictions: pa.Array, ids: pa.Array, span: tuple) -> None:
        """Queue one chunk: ``span`` is (prefix, first counter, opened_at)."""
        self.wait()  # at most one chunk being profiled: memory stays bounded
        offset, self._rows = self._rows, self._rows + chunk.num_rows
        self._pending = self._pool.submit(self._prepare, chunk, predictions, ids, span, offset)

    def _prepare(
        self, chunk: pa.Table, predictions: pa.Array, ids: pa.Array, span: tuple, offset: int
    ) -> None:
        from ..data.profile import profile_table

        prefix, start, opened = span
        closed = time.time()
        inputs = chunk.select(self.columns)
        profile = profile_table(inputs.append_column(self.names[0], predictions))
        own = pa.table(
            [predictions, ids, pa.array([closed] * len(ids), pa.float64())], names=self.names
        )
        window = monitor_store.WindowInfo(
            id=f"{time.time_ns():016x}{secrets.token_hex(8)}",
            model=self.model,
            version=self.version,
            alias=self.alias,
            source="batch",
            opened_at=opened,
            closed_at=closed,
            n_rows=chunk.num_rows,
            n_dropped=0,
            sample_rate=1.0,
            data_digest=self.store.blobs.put_bytes(parquet_bytes(own)).digest,
            profile_digest=self.store.blobs.put_bytes(profile.to_bytes()).digest,
            columns=(*self.columns, self.names[0]),
            rows_offset=offset,
        )
        self._windows.append((window, IdRanges([(prefix, start, start + chunk.num_rows)])))

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def commit(self, snapshot_id: int) -> list[str]:
        """Write every window, pointing at the rows of input snapshot ``snapshot_id``."""
        self.wait()
        windows = [
            (dataclasses.replace(w, rows_snapshot=snapshot_id), ids) for w, ids in self._windows
        ]
        monitor_store.write_windows(self.store, windows)
        return [w.id for w, _ in windows]

    def close(self) -> None:
        self._pool.shutdown(wait=True)
