"""Which cell stopped a pipeline, named as the pipeline's own notebook numbers it.

The executed notebook is not the user's: papermill inserts its injected
parameters cell and, on failure, error-marker cells. A cell is therefore named
by its index in ``pipelines/NAME/notebook.ipynb`` (found by cell id, or by
skipping papermill's cells when ids are missing), with the execution count the
output notebook shows and its first source line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PAPERMILL_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})


@dataclass(frozen=True)
class CellFailure:
    """The cell that stopped a pipeline and its error.

    ``cell_index`` is the cell's index in the pipeline's notebook (``notebook``),
    not in papermill's output; ``execution_count`` is the one the output shows.
    """

    cell_index: int
    execution_count: int | None
    source: str
    ename: str
    evalue: str
    traceback: str = ""
    notebook: str = ""

    @property
    def where(self) -> str:
        """``cell 3 of pipelines/train/notebook.ipynb (In [4])``."""
        count = "" if self.execution_count is None else f" (In [{self.execution_count}])"
        of = f" of {self.notebook}" if self.notebook else ""
        return f"cell {self.cell_index}{of}{count}"

    def __str__(self) -> str:
        src = self.source.strip().splitlines()
        shown = "\n".join("    " + line for line in src[:12])
        if len(src) > 12:
            shown += "\n    ..."
        return f"{self.where} failed: {self.ename}: {self.evalue}\n{shown}"


def plain(text: str) -> str:
    """``text`` without ANSI colour codes."""
    return _ANSI.sub("", text)


def is_papermill_cell(cell) -> bool:
    return bool(PAPERMILL_TAGS.intersection(cell.get("metadata", {}).get("tags", [])))


def user_index(nb: nbformat.NotebookNode, idx: int, source: nbformat.NotebookNode | None) -> int:
    """The index in the pipeline notebook ``source`` of cell ``idx`` of the output ``nb``."""
    cell_id = nb.cells[idx].get("id")
    if source is not None and cell_id:
        for pos, cell in enumerate(source.cells):
            if cell.get("id") == cell_id:
                return pos
    return sum(1 for cell in nb.cells[:idx] if not is_papermill_cell(cell))


def read_source(path: Path | None) -> nbformat.NotebookNode | None:
    if path is None:
        return None
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:
        return None


def running_cell(nb: nbformat.NotebookNode | None, source: Path | None = None) -> str:
    """`` (cell 3: 'time.sleep(s)')``: the last cell papermill started, for a timeout."""
    if nb is None:
        return ""
    started = [
        (idx, cell)
        for idx, cell in enumerate(nb.cells)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
        and not is_papermill_cell(cell)
    ]
    if not started:
        return ""
    idx, cell = started[-1]
    pos = user_index(nb, idx, read_source(source))
    lines = [line for line in cell.source.splitlines() if line.strip()]
    return f" (cell {pos}: {lines[-1].strip()[:80]!r})" if lines else f" (cell {pos})"


def find_failure(
    nb: nbformat.NotebookNode | None, source: Path | None = None, label: str = ""
) -> CellFailure | None:
    """The first failed cell: an error output, or a cell papermill marked failed.

    A magic's ``UsageError`` prints to stderr without an error output, which
    papermill itself does not count as a failure; the cell's papermill status
    still says it failed, and its stderr holds the message. ``source`` is the
    pipeline notebook (for the cell's index there), ``label`` how to name it.
    """
    if nb is None:
        return None
    for idx, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or is_papermill_cell(cell):
            continue
        found = _cell_error(cell)
        if found is None:
            continue
        ename, evalue, traceback = found
        return CellFailure(
            user_index(nb, idx, read_source(source)),
            cell.get("execution_count"),
            cell.source,
            ename,
            evalue,
            traceback,
            label,
        )
    return None


def _cell_error(cell) -> tuple[str, str, str] | None:
    """(ename, evalue, traceback) when ``cell`` failed, else None."""
    outputs = cell.get("outputs", [])
    errors = [
        o
        for o in outputs
        if o.get("output_type") == "error"
        and not (o.get("ename") == "SystemExit" and o.get("evalue") in ("", "0"))
    ]
    status = cell.get("metadata", {}).get("papermill", {}).get("status")
    if errors:
        err = errors[0]
        return (
            err.get("ename", "Error"),
            plain(err.get("evalue", "")),
            plain("\n".join(err.get("traceback", []))),
        )
    if status != "failed":
        return None
    stderr = "".join(
        o.get("text", "")
        for o in outputs
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )
    last = plain(stderr).strip().splitlines()[-1] if stderr.strip() else "the cell failed"
    ename, sep, evalue = last.partition(": ")
    if not sep or " " in ename:
        ename, evalue = "Error", last
    return ename, evalue, stderr
