"""The code two runs executed, side by side: a cell-level and line-level diff (difflib).

Computed once here and served to the Compare page, which only draws it.
"""

from __future__ import annotations

import difflib
from typing import Any

from .cells import run_cells

Row = dict[str, Any]


def _sources(run_id: str) -> list[str]:
    return [c.source for c in run_cells(run_id) if c.phase == "run"]


def _line_rows(left: str, right: str) -> list[Row]:
    """One row per line pair: ``equal``, ``replace``, ``delete`` (left only), ``insert`` (right only)."""
    a, b = left.splitlines(), right.splitlines()
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        width = max(i2 - i1, j2 - j1)
        for k in range(width):
            la = a[i1 + k] if i1 + k < i2 else None
            lb = b[j1 + k] if j1 + k < j2 else None
            kind = op if op == "equal" else ("replace" if la is not None and lb is not None else "")
            rows.append(
                {"op": kind or ("delete" if lb is None else "insert"), "left": la, "right": lb}
            )
    return rows


def diff_sources(left: list[str], right: list[str]) -> list[Row]:
    """Cells of ``left`` and ``right`` matched in order; each pair with its line rows."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        width = max(i2 - i1, j2 - j1)
        for k in range(width):
            ia, ib = i1 + k, j1 + k
            la = left[ia] if ia < i2 else None
            lb = right[ib] if ib < j2 else None
            if op == "equal":
                kind = "equal"
            elif la is not None and lb is not None:
                kind = "replace"
            else:
                kind = "delete" if lb is None else "insert"
            rows.append(
                {
                    "op": kind,
                    "left_cell": ia if la is not None else None,
                    "right_cell": ib if lb is not None else None,
                    "lines": _line_rows(la or "", lb or ""),
                }
            )
    return rows


def diff_run_cells(base: str, other: str) -> dict[str, Any]:
    """The cells ``other`` ran against those ``base`` ran: rows, and how many cells differ."""
    rows = diff_sources(_sources(base), _sources(other))
    return {
        "base": base,
        "other": other,
        "rows": rows,
        "changed": sum(1 for r in rows if r["op"] != "equal"),
    }
