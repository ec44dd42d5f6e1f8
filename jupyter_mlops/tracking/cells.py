"""Notebook-aware capture: the cells a run executed, and whether they ran in notebook order.

While a run is open, IPython's ``pre_run_cell`` and ``post_run_cell`` events
record every executed cell (source, execution count, cell id, start, duration,
error). The first time a run is seen, the cells this kernel ran *before* it
opened are stored too (phase ``before``): they are the state the run started
from. Writes happen on a background thread, so a cell pays a few microseconds.

Capture must never break the user's kernel: any error inside a hook is reported
once as a warning and capture stops for that run; the user's cell still runs.

``history(run_id)`` compares the executed cells with the notebook file as it is
now (``cell_history.py``); the writer thread is in ``cell_writer.py``.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import time
import warnings
import weakref
from dataclasses import dataclass, field
from typing import Any

from ..store import Store, get_store
from ..store import cells as cell_store
from ..store import runs as run_store
from ..store.cells import CellRecord
from . import run as run_mod
from .cell_history import HistoryReport, analyze, stored_history
from .cell_writer import CellWriter
from .run import Run

__all__ = [
    "CellCapture",
    "HistoryReport",
    "analyze",
    "capture_for",
    "flush_all",
    "history",
    "run_cells",
]

log = logging.getLogger(__name__)

MAX_BEFORE_CELLS = 2000
_captures: weakref.WeakSet[CellCapture] = weakref.WeakSet()
_by_shell: weakref.WeakKeyDictionary[Any, CellCapture] = weakref.WeakKeyDictionary()
EXIT_FLUSH_TIMEOUT = 10.0


# -- the capture -------------------------------------------------------------
@dataclass
class _Frame:
    started_at: float | None
    t0: float | None
    source: str
    cell_id: str | None
    count: int | None
    runs: list[Run] = field(default_factory=list)


class CellCapture:
    """Listens to one shell's cell events; one per ``%load_ext jupyter_mlops``."""

    def __init__(self, shell) -> None:
        self.shell = shell
        self._frames: list[_Frame] = []
        self._seen: set[str] = set()
        self._stopped: dict[str, str] = {}  # run id -> why capture stopped
        self._unreported: list[tuple[str, str]] = []
        self._cell_ids: dict[int, str] = {}
        self._writer = CellWriter(self._writer_failed)
        self._registered = False

    # -- lifecycle
    def register(self) -> None:
        if self._registered:
            return
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        run_mod.track_listeners.append(self._on_track)
        _captures.add(self)
        atexit.register(self._flush_at_exit)
        self._registered = True

    def unregister(self) -> None:
        if not self._registered:
            return
        self.flush()
        for name, cb in (
            ("pre_run_cell", self.pre_run_cell),
            ("post_run_cell", self.post_run_cell),
        ):
            try:
                self.shell.events.unregister(name, cb)
            except ValueError:
                pass
        if self._on_track in run_mod.track_listeners:
            run_mod.track_listeners.remove(self._on_track)
        _captures.discard(self)
        atexit.unregister(self._flush_at_exit)
        self._registered = False

    def flush(self) -> None:
        """Wait until every captured cell is in the store."""
        self._writer.flush()

    def _flush_at_exit(self) -> None:
        # A store that hangs must not keep a kernel from shutting down.
        self._writer.flush(timeout=EXIT_FLUSH_TIMEOUT)

    # -- state
    @property
    def current_cell_id(self) -> str | None:
        """The id of the cell executing now (JupyterLab and VS Code send it), else None."""
        return self._frames[-1].cell_id if self._frames else None

    @property
    def current_source(self) -> str | None:
        return self._frames[-1].source if self._frames else None

    def stopped_reason(self, run_id: str) -> str | None:
        return self._stopped.get(run_id)

    def is_capturing(self, run: Run) -> bool:
        return run.id not in self._stopped and _wanted(run)

    # -- hooks (never raise)
    def pre_run_cell(self, info=None) -> None:
        try:
            frame = _Frame(
                time.time(),
                time.perf_counter(),
                getattr(info, "raw_cell", "") or "",
                getattr(info, "cell_id", None) or None,
                None,
            )
            current = run_mod.innermost_run()
            if current is not None and not current.ended:
                frame.runs.append(current)
            self._frames.append(frame)
        except Exception as exc:
            self._hook_failed(exc)

    def _on_track(self, run: Run) -> None:
        if self._frames and run not in self._frames[-1].runs:
            self._frames[-1].runs.append(run)

    def post_run_cell(self, result=None) -> None:
        try:
            self._report_failures()
            if self._frames:
                frame = self._frames.pop()
            else:
                # Registered in the middle of this cell (a run opened from plain Python):
                # IPython's result still says which cell it was; its duration is unknown.
                info = getattr(result, "info", None)
                if info is None:
                    return
                raw = getattr(info, "raw_cell", "") or ""
                frame = _Frame(time.time(), None, raw, getattr(info, "cell_id", None), None)
            # IPython numbers the cell before pre_run_cell in some versions and after it
            # in others: the result carries the number the cell really got.
            frame.count = getattr(result, "execution_count", None)
            if frame.cell_id is not None and frame.count is not None:
                self._cell_ids[frame.count] = frame.cell_id
            current = run_mod.innermost_run()
            runs = frame.runs
            if current is not None and not current.ended and current not in runs:
                runs.append(current)
            if not runs:
                return
            duration = None if frame.t0 is None else time.perf_counter() - frame.t0
            count = frame.count
            error = _error_text(result)
            for run in runs:
                if run.id in self._stopped or not _wanted(run):
                    continue
                try:
                    self._record(run, frame, count, duration, error)
                except Exception as exc:
                    self._stop(run.id, exc)
            self._report_failures()
        except Exception as exc:
            self._hook_failed(exc)

    def _record(
        self, run: Run, frame: _Frame, count: int | None, duration: float | None, error: str | None
    ) -> None:
        cells: list[CellRecord] = []
        if run.id not in self._seen:
            self._seen.add(run.id)
            cells.extend(self._before_cells(run.id, frame.count))
        cells.append(
            CellRecord(
                run.id,
                0,
                "run",
                count,
                frame.cell_id,
                frame.source,
                frame.started_at if frame.t0 is not None else None,
                duration,
                error,
            )
        )
        self._writer.put(run, cells)

    def _before_cells(self, run_id: str, upto: int | None) -> list[CellRecord]:
        """The cells this kernel ran before the one that opened the run (IPython's history)."""
        hist = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None)
        if not hist:
            return []
        end = len(hist) if upto is None else min(upto, len(hist))
        start = max(1, end - MAX_BEFORE_CELLS)
        return [
            CellRecord(run_id, 0, "before", i, self._cell_ids.get(i), hist[i], None, None, None)
            for i in range(start, end)
            if hist[i].strip()
        ]

    # -- failures: one warning, then capture stops for that run
    def _stop(self, run_id: str, exc: BaseException) -> None:
        if run_id in self._stopped:
            return
        why = f"{type(exc).__name__}: {exc}"
        self._stopped[run_id] = why
        self._unreported.append((run_id, why))

    def _hook_failed(self, exc: BaseException) -> None:
        current = run_mod.innermost_run()
        self._stop(current.id if current is not None else "*", exc)
        try:
            self._report_failures()
        except Exception:
            pass

    def _writer_failed(self, run: Run, exc: BaseException) -> None:
        self._stop(run.id, exc)

    def _report_failures(self) -> None:
        while self._unreported:
            run_id, why = self._unreported.pop(0)
            which = "" if run_id == "*" else f" for run {run_id[:8]}"
            warnings.warn(
                f"jupyter-mlops: cell capture stopped{which} ({why}); your cells still run",
                RuntimeWarning,
                stacklevel=2,
            )
            if run_id != "*":
                _note_capture_error(run_id, why)


def _note_capture_error(run_id: str, why: str) -> None:
    try:
        for run in run_mod.live_runs():
            if run.id == run_id:
                run_store.update_context(run.store, run_id, {"cell_capture_error": why})
    except Exception as exc:
        log.debug("could not note the capture error: %s", exc)


def _wanted(run: Run) -> bool:
    """Cells belong to top-level runs the user opened, not to autolog's child runs."""
    return not run.info.context.get("autolog_child")


def _error_text(result) -> str | None:
    if result is None:
        return None
    exc = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if exc is None:
        return None
    return f"{type(exc).__name__}: {exc}"[:4000]


def flush_all() -> None:
    """Wait for every capture of this process to write its pending cells."""
    for cap in list(_captures):
        cap.flush()


def capture_for(shell, *, create: bool = False) -> CellCapture | None:
    """The capture of ``shell`` (one per shell), created unregistered if asked."""
    cap = _by_shell.get(shell)
    if cap is None and create:
        cap = _by_shell[shell] = CellCapture(shell)
    return cap


def _auto_capture(run: Run) -> None:
    """A run opened from plain Python in IPython (no ``%load_ext``) is captured too.

    ``MLOPS_CAPTURE_CELLS=0`` turns this off; ``%config MlopsMagics.capture_cells``
    decides once the extension is loaded.
    """
    if os.environ.get("MLOPS_CAPTURE_CELLS", "1").strip().lower() in ("0", "false", "no", "off"):
        return
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    if shell is None or not hasattr(shell, "events") or shell in _by_shell:
        return
    capture_for(shell, create=True).register()


run_mod.track_listeners.append(_auto_capture)


def history(run_id: str | None = None, store: Store | None = None) -> HistoryReport:
    """Whether run ``run_id``'s (default: the active run's) cells replay from its notebook."""
    from ..errors import NoActiveRun

    if run_id is None:
        active = run_mod.active_run()
        if active is None:
            raise NoActiveRun("no active run: name a run, e.g. history('3f2a9c')")
        run_id = active.id
    flush_all()
    return stored_history(store or get_store(), run_id)


def run_cells(run_id: str) -> list[CellRecord]:
    """The cells run ``run_id`` executed (and those before it opened), in order."""
    flush_all()
    return cell_store.list_cells(get_store(), run_id)
