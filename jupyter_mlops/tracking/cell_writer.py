"""The thread that writes captured cells, so a cell pays microseconds, not a transaction."""

from __future__ import annotations

import queue
import threading
import time

from ..store import cells as cell_store
from ..store.cells import CellRecord
from .cell_history import record_history
from .run import Run

BATCH_DELAY = 0.25  # seconds the writer waits to gather more cells into one transaction


class CellWriter:
    """Writes captured cells on a daemon thread; ``flush()`` waits until all are written."""

    def __init__(self, on_error) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._on_error = on_error
        self._lock = threading.Lock()
        self._urgent = threading.Event()

    def put(self, run: Run, cells: list[CellRecord]) -> None:
        self._queue.put((run, cells))
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._loop, name="mlops-cell-writer", daemon=True
                    )
                    self._thread.start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued cell is written; False if ``timeout`` ran out first."""
        if self._thread is None or not self._thread.is_alive():
            return True
        self._urgent.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        done = self._queue.all_tasks_done
        with done:
            while self._queue.unfinished_tasks:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                done.wait(left)
        return True

    def _loop(self) -> None:
        while True:
            items = [self._queue.get()]
            # Cells executed in quick succession (Run All) share one transaction.
            self._urgent.wait(BATCH_DELAY)
            self._urgent.clear()
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(items)
            finally:
                for _ in items:
                    self._queue.task_done()

    def _write(self, items: list[tuple[Run, list[CellRecord]]]) -> None:
        by_run: dict[str, tuple[Run, list[CellRecord]]] = {}
        for run, cells in items:
            by_run.setdefault(run.id, (run, []))[1].extend(cells)
        for run, cells in by_run.values():
            try:
                cell_store.add_cells(run.store, run.id, cells)
                if run.ended:
                    record_history(run.store, run.id)
            except Exception as exc:
                self._on_error(run, exc)
