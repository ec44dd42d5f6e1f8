"""Runs with stored cells for the cell-diff, preview and run-page tests."""

from __future__ import annotations

import jupyter_mlops as mlops
from jupyter_mlops.store import cells as cell_store
from jupyter_mlops.store import get_store
from jupyter_mlops.store.cells import CellRecord


def run_with_cells(name: str, sources: list[str], before: tuple[str, ...] = ()) -> str:
    with mlops.start_run(name) as run:
        run_id = run.id
    records = [
        CellRecord(run_id, 0, phase, n + 1, None, src, None, None, None)
        for n, (phase, src) in enumerate(
            [("before", s) for s in before] + [("run", s) for s in sources]
        )
    ]
    cell_store.add_cells(get_store(), run_id, records)
    return run_id
