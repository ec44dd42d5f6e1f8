"""Hidden state: whether the cells a run executed replay from its notebook as it is now.

``analyze`` compares the executed cells with the notebook's code cells: cells
run top to bottom, none re-executed, none deleted or edited since.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import Store
from ..store import cells as cell_store
from ..store import runs as run_store
from ..store.cells import CellRecord

log = logging.getLogger(__name__)


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
    issues, used = _match_cells(executed, notebook)
    notes: list[str] = []
    if used:
        last = max(used)
        skipped = [i + 1 for i in range(last) if i not in used and notebook[i][1].strip()]
        if skipped:
            notes.append("notebook cells not executed: " + ", ".join(map(str, skipped[:20])))
    return HistoryReport(
        run_id, notebook_path, len(executed), not issues, tuple(issues), tuple(notes)
    )


def _match_cells(
    executed: list[CellRecord], notebook: list[tuple[str | None, str]]
) -> tuple[list[str], dict[int, CellRecord]]:
    """The problems found, and which executed cell first matched each notebook cell."""
    issues: list[str] = []
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
    return issues, used


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


def record_history(store: Store, run_id: str) -> HistoryReport:
    """Analyze and keep the verdict in the run's context (``context['cells']``)."""
    report = stored_history(store, run_id)
    run_store.update_context(store, run_id, {"cells": report.as_dict()})
    return report


def stored_history(store: Store, run_id: str) -> HistoryReport:
    """The verdict on the cells stored for a run (cells still buffered in a kernel are not seen)."""
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
