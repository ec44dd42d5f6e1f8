"""The inference log: served rows handed over through a bounded queue, written in windows.

``record`` is all the request path does: it takes a lock, appends the request's
rows to a list and returns. A background writer moves the rows into the open
window every ``tick`` seconds and closes the window at ``window_rows`` rows or
``window_seconds`` after its first row, whichever comes first. A closed window
becomes a Parquet blob (input columns, prediction, prediction id, timestamp),
a profile blob (inputs and prediction, the mergeable profile snapshots have),
and then one transaction with the window row and its prediction ids: a kill
at any moment leaves whole windows or none.

Rows never vanish unseen: those that did not fit in the queue (the writer is
stuck on a slow or unavailable store) or whose window could not be written
are counted in ``dropped`` and reported by the next window written.
"""

from __future__ import annotations

import io
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..errors import InvalidArgument
from ..store import Store, get_store
from ..store import monitoring as monitor_store

log = logging.getLogger(__name__)

DEFAULT_WINDOW_ROWS = 10_000
DEFAULT_WINDOW_SECONDS = 60.0
DEFAULT_QUEUE_ROWS = 100_000
SOURCES = ("serve", "batch")
_ARROW_TYPES = {"double": "float64", "long": "int64", "boolean": "bool", "string": "string"}


class PredictionIds:
    """Ids unique across processes and sortable within one: a per-process prefix and a counter.

    The counter is 12 hex digits (``store.prediction_ids`` stores a window's ids
    as ranges of it).
    """

    def __init__(self) -> None:
        self.prefix = f"{int(time.time() * 1000):011x}{secrets.token_hex(4)}"
        self._next = 0
        self._lock = threading.Lock()

    def take_range(self, n: int) -> int:
        """Reserve ``n`` consecutive counters; the first is returned."""
        with self._lock:
            start = self._next
            self._next += n
        return start

    def take(self, n: int) -> list[str]:
        start, prefix = self.take_range(n), self.prefix
        return [f"{prefix}{i:012x}" for i in range(start, start + n)]

    def array(self, start: int, n: int) -> Any:
        """The ids of counters [start, start + n) as a pyarrow string array, built without a loop."""
        import numpy as np
        import pyarrow as pa

        digits = np.frombuffer(b"0123456789abcdef", np.uint8)
        counters = np.arange(start, start + n, dtype=np.uint64)
        shifts = np.arange(44, -1, -4, dtype=np.uint64)
        head = self.prefix.encode()
        width = len(head) + 12
        data = np.empty((n, width), np.uint8)
        data[:, : len(head)] = np.frombuffer(head, np.uint8)
        data[:, len(head) :] = digits[(counters[:, None] >> shifts) & np.uint64(15)]
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
        return pa.Array.from_buffers(
            pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )


@dataclass(frozen=True)
class _Schema:
    columns: list[str]
    types: dict[str, str]
    classes: list | None


@dataclass(frozen=True)
class _Item:
    timestamp: float
    version: int
    alias: str | None
    columns: dict[str, list]
    predictions: list
    ids: list[str]
    proba: bool


@dataclass(frozen=True)
class LogOptions:
    """How a server logs: ``InferenceLog(model, **vars(options))``."""

    sample: float = 1.0
    window_rows: int = DEFAULT_WINDOW_ROWS
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    queue_rows: int = DEFAULT_QUEUE_ROWS
    clock: Callable[[], float] = time.time


def _check(
    sample: Any, window_rows: Any, window_seconds: Any, queue_rows: Any, source: Any
) -> None:
    if isinstance(sample, bool) or not isinstance(sample, (int, float)) or not 0 < sample <= 1:
        raise InvalidArgument("sample", "a fraction of rows in (0, 1]", sample)
    if isinstance(window_rows, bool) or not isinstance(window_rows, int) or window_rows < 1:
        raise InvalidArgument("window_rows", "a positive number of rows", window_rows)
    if not isinstance(window_seconds, (int, float)) or not window_seconds > 0:
        raise InvalidArgument("window_seconds", "seconds > 0", window_seconds)
    if isinstance(queue_rows, bool) or not isinstance(queue_rows, int) or queue_rows < 1:
        raise InvalidArgument("queue_rows", "a positive number of rows", queue_rows)
    if source not in SOURCES:
        raise InvalidArgument("source", f"one of {', '.join(SOURCES)}", source)


class InferenceLog:
    """Rows of one model's predictions, written in windows by a background thread.

    ``describe(version, ...)`` tells it each version's input columns, their
    signature types (the Parquet types) and classes (probability rows are
    logged as the predicted class). ``clock`` (seconds) times windows and
    stamps rows; tests drive it by hand.
    """

    def __init__(
        self,
        model: str,
        *,
        sample: float = 1.0,
        window_rows: int = DEFAULT_WINDOW_ROWS,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        queue_rows: int = DEFAULT_QUEUE_ROWS,
        source: str = "serve",
        store: Store | None = None,
        clock: Callable[[], float] = time.time,
        tick: float = 0.05,
        ids: PredictionIds | None = None,
    ) -> None:
        _check(sample, window_rows, window_seconds, queue_rows, source)
        self.model, self.source = model, source
        self._schemas: dict[int, _Schema] = {}
        self.sample = float(sample)
        self.window_rows, self.window_seconds = window_rows, float(window_seconds)
        self.queue_rows = queue_rows
        self.store = store or get_store()
        self.clock, self.tick = clock, tick
        self.ids = ids or PredictionIds()
        self._lock = threading.Lock()
        self._items: list[_Item] = []
        self._pending = 0
        self._counts = dict.fromkeys(
            ("accepted", "sampled_out", "dropped", "written", "windows", "write_errors"), 0
        )
        self._unreported = 0  # dropped since the last window written
        self.last_error: str | None = None
        self._open: list[_Item] = []
        self._open_rows = 0
        self._writing = 0
        self._opened_at: float | None = None
        self._flushes: list[threading.Event] = []
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="mlops-inference-log", daemon=True)
        self._thread.start()

    def describe(
        self,
        version: int,
        columns: Sequence[str],
        types: dict[str, str] | None = None,
        classes: Sequence[Any] | None = None,
    ) -> None:
        """What the rows of ``version`` hold (before its first ``record``)."""
        self._schemas[version] = _Schema(
            list(columns), dict(types or {}), list(classes) if classes is not None else None
        )

    # -- the request path ---------------------------------------------------------
    def record(
        self,
        columns: dict[str, list],
        predictions: list,
        ids: list[str],
        version: int,
        alias: str | None = None,
        *,
        proba: bool = False,
    ) -> None:
        """Hand one request's rows to the writer (or count them as dropped when the queue is full)."""
        n, skipped = len(ids), 0
        if self.sample < 1.0:
            keep = [i for i in range(n) if random.random() < self.sample]
            if len(keep) < n:
                skipped = n - len(keep)
                if not keep:
                    with self._lock:
                        self._counts["sampled_out"] += skipped
                    return
                columns = {c: [v[i] for i in keep] for c, v in columns.items()}
                predictions = [predictions[i] for i in keep]
                ids = [ids[i] for i in keep]
                n = len(keep)
        item = _Item(self.clock(), version, alias, columns, predictions, ids, proba)
        with self._lock:
            self._counts["sampled_out"] += skipped
            if self._pending + n > self.queue_rows:
                self._counts["dropped"] += n
                self._unreported += n
                return
            self._items.append(item)
            self._pending += n
            self._counts["accepted"] += n

    # -- shutdown and counts ------------------------------------------------------
    def flush(self, timeout: float | None = 60.0) -> bool:
        """Close the open window now and wait until it is written (or given up); False on timeout."""
        done = threading.Event()
        with self._lock:
            self._flushes.append(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        """Write what is queued and stop the writer."""
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)

    def counts(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = dict(self._counts)
            out["queued"] = self._pending  # not yet taken by the writer
            out["pending"] = self._pending + self._open_rows + self._writing  # not yet written
        out.update(
            enabled=True,
            sample=self.sample,
            window_rows=self.window_rows,
            window_seconds=self.window_seconds,
            queue_rows=self.queue_rows,
            last_error=self.last_error,
        )
        return out

    # -- the writer thread ----------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self.tick)
            self._wake.clear()
            stopping = self._stopping
            with self._lock:
                items, self._items = self._items, []
                flushes, self._flushes = self._flushes, []
            for item in items:
                self._take(item)
            due = self._opened_at is not None and (
                self.clock() - self._opened_at >= self.window_seconds
            )
            if self._open_rows and (flushes or stopping or due):
                self._close_window()
            for done in flushes:
                done.set()
            if stopping:
                return

    def _take(self, item: _Item) -> None:
        """Move one request's rows into the open window, closing it whenever it is full."""
        if self._open and (self._open[0].version, self._open[0].alias) != (
            item.version,
            item.alias,
        ):
            self._close_window()
        n, start = len(item.ids), 0
        with self._lock:
            self._pending -= n
        while start < n:
            room = self.window_rows - self._open_rows
            part = item if start == 0 and n <= room else _slice(item, start, start + room)
            if self._opened_at is None:
                self._opened_at = part.timestamp
            self._open.append(part)
            self._open_rows += len(part.ids)
            start += len(part.ids)
            if self._open_rows >= self.window_rows:
                self._close_window()

    def _close_window(self) -> None:
        items, opened, rows = self._open, self._opened_at, self._open_rows
        self._open, self._opened_at, self._open_rows = [], None, 0
        if not rows or opened is None:
            return
        with self._lock:
            reported = self._unreported
            self._writing = rows
        try:
            self._write(items, opened, reported)
        except Exception as exc:  # the rows are counted, the server keeps answering
            log.warning("could not write an inference window of %s (%d rows): %s",
                        self.model, rows, exc)  # fmt: skip
            with self._lock:
                self._writing = 0
                self._counts["dropped"] += rows
                self._counts["write_errors"] += 1
                self._unreported += rows
                self.last_error = f"{type(exc).__name__}: {exc}"
            return
        with self._lock:
            self._writing = 0
            self._counts["written"] += rows
            self._counts["windows"] += 1
            self._unreported -= reported

    def _write(self, items: list[_Item], opened: float, dropped: int) -> None:
        first = items[0]
        write_window(
            self.store, self.model, self._table(items), [i for item in items for i in item.ids],
            version=first.version, alias=first.alias, source=self.source, opened_at=opened,
            closed_at=self.clock(), n_dropped=dropped, sample_rate=self.sample,
        )  # fmt: skip

    def _table(self, items: list[_Item]) -> Any:
        import pyarrow as pa

        schema = self._schemas.get(items[0].version) or _Schema([], {}, None)
        inputs = schema.columns or list(dict.fromkeys(c for it in items for c in it.columns))
        prediction, pid, stamp = free_names(inputs, ("prediction", "prediction_id", "timestamp"))
        arrays: dict[str, Any] = {}
        maps = [it.columns for it in items]
        sizes = [len(it.ids) for it in items]
        for c in inputs:
            parts = [m[c] if c in m else [None] * k for m, k in zip(maps, sizes)]
            arrays[c] = _array(list(chain.from_iterable(parts)), schema.types.get(c))
        preds = [p for it in items for p in _predicted(it, schema.classes)]
        arrays[prediction] = _array(preds, None)
        arrays[pid] = pa.array([i for it in items for i in it.ids], pa.string())
        stamps = [it.timestamp for it in items for _ in it.ids]
        arrays[stamp] = pa.array(stamps, pa.float64())
        return pa.table(arrays)


def write_window(
    store: Store,
    model: str,
    table: Any,
    ids: list[str],
    *,
    version: int,
    alias: str | None,
    source: str,
    opened_at: float,
    closed_at: float,
    n_dropped: int = 0,
    sample_rate: float = 1.0,
) -> monitor_store.WindowInfo:
    """Write one closed window: ``table`` holds the inputs, the prediction, the id and the timestamp.

    The Parquet and profile blobs first, then one transaction with the window
    row and its ``ids``; batch scoring writes its chunks through this too.
    """
    names = list(table.column_names)
    profiled = names[:-2]  # inputs and the prediction; not the id nor the timestamp
    from ..data.profile import profile_table

    profile = profile_table(table.select(profiled))
    data_ref = store.blobs.put_bytes(parquet_bytes(table))
    profile_ref = store.blobs.put_bytes(profile.to_bytes())
    window = monitor_store.WindowInfo(
        id=f"{time.time_ns():016x}{secrets.token_hex(8)}",  # sorts by when written
        model=model,
        version=version,
        alias=alias,
        source=source,
        opened_at=opened_at,
        closed_at=closed_at,
        n_rows=table.num_rows,
        n_dropped=n_dropped,
        sample_rate=sample_rate,
        data_digest=data_ref.digest,
        profile_digest=profile_ref.digest,
        columns=tuple(profiled),
    )
    monitor_store.write_window(store, window, ids)
    return window


def _predicted(item: _Item, classes: list | None) -> list:
    if not item.proba:
        return item.predictions
    best = [max(range(len(p)), key=p.__getitem__) for p in item.predictions]
    return [classes[b] for b in best] if classes else best


def _slice(item: _Item, start: int, stop: int) -> _Item:
    return _Item(
        item.timestamp,
        item.version,
        item.alias,
        {c: v[start:stop] for c, v in item.columns.items()},
        item.predictions[start:stop],
        item.ids[start:stop],
        item.proba,
    )


def free_names(taken: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The log's own column names, with ``_`` appended while an input column has the name."""
    used, out = set(taken), []
    for name in wanted:
        while name in used:
            name += "_"
        used.add(name)
        out.append(name)
    return out


def _array(values: list, signature_type: str | None) -> Any:
    import pyarrow as pa

    arrow = _ARROW_TYPES.get(signature_type or "")
    if arrow is not None:
        try:
            return pa.array(values, type=getattr(pa, arrow)() if arrow != "bool" else pa.bool_())
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            pass
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def parquet_bytes(table: Any) -> bytes:
    """A window's rows (..., prediction, id, timestamp) as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Continuous floats gain nothing from dictionaries or snappy (8x the write time
    # for no size), as snapshots write them; ids are unique (no dictionary); the
    # timestamp (last) repeats per request.
    names = table.column_names
    plain = {f.name for f in list(table.schema)[:-1] if pa.types.is_floating(f.type)}
    plain.add(names[-2])
    buf = io.BytesIO()
    pq.write_table(
        table,
        buf,
        compression={n: "NONE" if n in plain and n != names[-2] else "SNAPPY" for n in names},
        use_dictionary=[n for n in names if n not in plain] or False,
    )
    return buf.getvalue()
