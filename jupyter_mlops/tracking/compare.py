"""Side-by-side comparison of runs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..errors import InvalidArgument
from .api import get_run


def _same(values: list[object]) -> bool:
    first = values[0]
    for v in values[1:]:
        if (
            isinstance(v, float)
            and isinstance(first, float)
            and math.isnan(v)
            and math.isnan(first)
        ):
            continue
        if v != first:
            return False
    return True


def compare_runs(run_ids: Sequence[str], only_differences: bool = False) -> pd.DataFrame:
    """Rows ``kind`` (param/metric), ``key``, then one column per run (its short id or name)."""
    if len(run_ids) < 2:
        raise InvalidArgument("run_ids", "at least two runs to compare", list(run_ids))
    runs = [get_run(r) for r in run_ids]
    labels = []
    for data in runs:
        label = f"{data.info.name} ({data.info.run_id[:8]})"
        labels.append(label)
    rows = []
    for kind, attr in (("param", "params"), ("metric", "metrics")):
        keys = sorted(set().union(*(getattr(r, attr).keys() for r in runs)))
        for key in keys:
            values = [getattr(r, attr).get(key) for r in runs]
            rows.append(
                {"kind": kind, "key": key, **dict(zip(labels, values)), "_same": _same(values)}
            )
    frame = pd.DataFrame(rows, columns=["kind", "key", *labels, "_same"])
    if only_differences:
        frame = frame[~frame["_same"].astype(bool)]
    frame = frame.sort_values(["_same", "kind", "key"], kind="stable")
    return frame.drop(columns="_same").reset_index(drop=True)
