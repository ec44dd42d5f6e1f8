"""Notebook-aware capture: the cells a run executed, and whether they ran in notebook order.

While a run is open, IPython's ``pre_run_cell`` and ``post_run_cell`` events
record every executed cell (source, execution count, cell id, start, duration,
error). The first time a run is seen, the cells this kernel ran *before* it
opened are stored too (phase ``before``): they are the state the run started
from. Writes happen on a background thread, so a cell pays a few microseconds.

Capture must never break the user's kernel: any error inside a hook is reported
once as a warning and capture stops for that run; the user's cell still runs.

``history(run_id)`` compares the executed cells with the notebook file as it is
now and says whether the run is reproducible from it: cells run top to bottom,
none re-executed, none deleted or edited since.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sys
import threading
import time
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store import Store, get_store
from ..store import cells as cell_store
from ..store import runs as run_store
from ..store.cells import CellRecord
from . import run as run_mod
from .run import Run

log = logging.getLogger(__name__)

MAX_BEFORE_CELLS = 2000
BATCH_DELAY = 0.25  # seconds the writer waits to gather more cells into one transaction
_captures: weakref.WeakSet[CellCapture] = weakref.WeakSet()
_by_shell: weakref.WeakKeyDictionary[Any, CellCapture] = weakref.WeakKeyDictionary()
EXIT_FLUSH_TIMEOUT = 10.0


# -- the writer thread ---------------------------------------------------------
class _Writer:
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
        self._writer = _Writer(self._writer_failed)
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
            current = run_mod._active[-1] if run_mod._active else None
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
            current = run_mod._active[-1] if run_mod._active else None
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
        current = run_mod._active[-1] if run_mod._active else None
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


# -- hidden state ----------------------------------------------------------------
@dataclass(frozen=True)
class HistoryReport:
    """Whether a run's cells can be replayed from the notebook as it is now.

    ``in_order`` is True when every executed cell is in the notebook unchanged
    and they ran top to bottom once each; False when not; None when there is
    no notebook to compare with and nothing was re-executed.
    """

    run_id: str
    notebook: str | None
    cells: int
    in_order: bool | None
    issues: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "cells": self.cells,
            "in_order": self.in_order,
            "issues": list(self.issues),
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        where = f" of {self.notebook}" if self.notebook else ""
        if self.in_order is True:
            return f"✓ {self.cells} cells ran top to bottom in the order{where}"
        if self.in_order is None:
            return f"? {self.cells} cells captured; notebook order unknown (no notebook file)"
        return "⚠ " + (self.warning or "")

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  - {i}" for i in self.issues), *self.notes])

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        import html

        head = (
            self.summary() if self.in_order is not False else "⚠ cannot be reproduced as it stands"
        )
        items = "".join(f"<li>{html.escape(i)}</li>" for i in self.issues)
        notes = "".join(f"<div style='color:#57606a'>{html.escape(n)}</div>" for n in self.notes)
        return (
            f"<div><b>{html.escape(head)}</b>"
            + (f"<ul>{items}</ul>" if items else "")
            + notes
            + "</div>"
        )

    @property
    def warning(self) -> str | None:
        if self.in_order is not False:
            return None
        return (
            "this run cannot be reproduced from the notebook as it stands: "
            + "; ".join(self.issues[:3])
            + (f" (+{len(self.issues) - 3} more)" if len(self.issues) > 3 else "")
        )


def _first_line(source: str) -> str:
    line = next((ln for ln in source.strip().splitlines() if ln.strip()), "")
    return line[:60] + ("…" if len(line) > 60 else "")


def _label(c: CellRecord) -> str:
    return f"In [{c.execution_count}]" if c.execution_count is not None else f"cell #{c.seq}"


def notebook_code_cells(path: str | os.PathLike) -> list[tuple[str | None, str]]:
    """(cell id, source) of each code cell of a notebook file, in notebook order."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [(c.get("id"), c.source) for c in nb.cells if c.cell_type == "code"]


def resolve_notebook(path: str | None) -> Path | None:
    """The notebook file a run's ``source_path`` names, if it can be read from here."""
    if not path:
        return None
    candidates = [Path(path), Path.cwd() / Path(path).name]
    for candidate in candidates:
        try:
            if candidate.is_file() and candidate.suffix == ".ipynb":
                return candidate
        except OSError:
            continue
    return None


def analyze(
    run_id: str,
    cells: list[CellRecord],
    notebook: list[tuple[str | None, str]] | None,
    notebook_path: str | None = None,
) -> HistoryReport:
    """Compare executed cells with the notebook's code cells (see ``HistoryReport``).

    Each executed cell is matched to a notebook cell by id (JupyterLab and VS
    Code send it), else by identical source, preferring the first unused match
    below the previous one. A cell matched twice was re-executed; a cell matched
    above its predecessor ran out of order; an unmatched cell is gone.
    """
    executed = [c for c in cells if c.source.strip()]
    if notebook is None:
        return _analyze_without_notebook(run_id, executed, notebook_path)
    issues: list[str] = []
    notes: list[str] = []
    by_id = {cid: i for i, (cid, _) in enumerate(notebook) if cid}
    by_src: dict[str, list[int]] = {}
    for i, (_, src) in enumerate(notebook):
        by_src.setdefault(src.strip(), []).append(i)
    used: dict[int, CellRecord] = {}
    prev: tuple[int, CellRecord] | None = None
    for c in executed:
        index = by_id.get(c.cell_id) if c.cell_id else None
        if index is not None and notebook[index][1].strip() != c.source.strip():
            issues.append(
                f"{_label(c)} (notebook cell {index + 1}) was edited since it ran"
                f" ({_first_line(c.source)!r})"
            )
        if index is None:
            matches = by_src.get(c.source.strip(), [])
            free = [i for i in matches if i not in used]
            below = [i for i in free if prev is None or i > prev[0]]
            index = (below or free or matches or [None])[0]
        if index is None:
            issues.append(
                f"{_label(c)} is no longer in the notebook (deleted or edited):"
                f" {_first_line(c.source)!r}"
            )
            continue
        if index in used:
            issues.append(
                f"{_label(c)} re-ran notebook cell {index + 1} (first run as"
                f" {_label(used[index])}): {_first_line(c.source)!r}"
            )
        elif prev is not None and index < prev[0]:
            issues.append(
                f"{_label(c)} (notebook cell {index + 1}) ran after"
                f" {_label(prev[1])} (notebook cell {prev[0] + 1})"
            )
        used.setdefault(index, c)
        prev = (index, c)
    if used:
        last = max(used)
        skipped = [i + 1 for i in range(last) if i not in used and notebook[i][1].strip()]
        if skipped:
            notes.append("notebook cells not executed: " + ", ".join(map(str, skipped[:20])))
    return HistoryReport(
        run_id, notebook_path, len(executed), not issues, tuple(issues), tuple(notes)
    )


def _analyze_without_notebook(
    run_id: str, executed: list[CellRecord], notebook_path: str | None
) -> HistoryReport:
    """Without the notebook only re-execution is certain (same cell id, or same source)."""
    issues = []
    seen: dict[str, CellRecord] = {}
    for c in executed:
        key = f"id:{c.cell_id}" if c.cell_id else f"src:{c.source.strip()}"
        if key in seen:
            issues.append(
                f"{_label(c)} re-ran the cell of {_label(seen[key])} ({_first_line(c.source)!r})"
            )
        seen.setdefault(key, c)
    notes = ("no notebook file to compare with: notebook order unknown",) if executed else ()
    return HistoryReport(
        run_id, notebook_path, len(executed), False if issues else None, tuple(issues), notes
    )


def history(run_id: str | None = None, store: Store | None = None) -> HistoryReport:
    """Whether run ``run_id``'s (default: the active run's) cells replay from its notebook."""
    from ..errors import NoActiveRun

    if run_id is None:
        active = run_mod.active_run()
        if active is None:
            raise NoActiveRun("no active run: name a run, e.g. history('3f2a9c')")
        run_id = active.id
    flush_all()
    return _history(store or get_store(), run_id)


def record_history(store: Store, run_id: str) -> HistoryReport:
    """Analyze and keep the verdict in the run's context (``context['cells']``)."""
    report = _history(store, run_id)
    run_store.update_context(store, run_id, {"cells": report.as_dict()})
    return report


def _history(store: Store, run_id: str) -> HistoryReport:
    info = run_store.get_run_info(store, run_id)
    cells = cell_store.list_cells(store, info.run_id)
    path = info.source_path if info.source_type == "notebook" else None
    nb_file = resolve_notebook(path)
    notebook = None
    if nb_file is not None:
        try:
            notebook = notebook_code_cells(nb_file)
        except Exception as exc:
            log.debug("could not read notebook %s: %s", nb_file, exc)
    return analyze(info.run_id, cells, notebook, str(nb_file) if nb_file else path)


def run_cells(run_id: str) -> list[CellRecord]:
    """The cells run ``run_id`` executed (and those before it opened), in order."""
    flush_all()
    return cell_store.list_cells(get_store(), run_id)
