"""Plain-text tables, shared by the CLI and the core's messages (e.g. the gates a promotion failed).

Neutral ground: the core may import this without importing a face.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd


def fmt(value: Any) -> str:
    """One cell: floats to 6 significant digits, timestamps to seconds, None as blank."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], max_width: int = 40) -> str:
    """Left-aligned columns under a header and a rule; cells longer than ``max_width`` end in …."""
    cells = [[fmt(v) for v in row] for row in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(out)


def frame_table(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    columns = list(columns or frame.columns)
    return table(frame[columns].itertuples(index=False, name=None), columns)
