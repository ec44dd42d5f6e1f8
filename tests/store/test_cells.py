"""Executed cells and attempt lookups in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.store import cells as cell_store
from jupyter_mlops.store.cells import CellRecord


def _cell(source: str, phase: str = "run", count: int | None = 1) -> CellRecord:
    return CellRecord("", 0, phase, count, "id-" + source[:3], source, 1.0, 0.01, None)


def test_cells_keep_their_order_across_batches(any_store):
    with mlops.start_run("cells", capture_context=False) as run:
        pass
    cell_store.add_cells(any_store, run.id, [_cell("a = 1", "before"), _cell("b = 2")])
    cell_store.add_cells(any_store, run.id, [_cell("c = 3", count=None)])
    cells = cell_store.list_cells(any_store, run.id[:8])
    assert [(c.seq, c.phase, c.source) for c in cells] == [
        (0, "before", "a = 1"),
        (1, "run", "b = 2"),
        (2, "run", "c = 3"),
    ]
    assert cells[2].execution_count is None and cells[0].cell_id == "id-a ="
    assert cell_store.count_cells(any_store, run.id) == 3


def test_cells_of_a_missing_run_are_refused(any_store):
    with pytest.raises(mlops.NotFound):
        cell_store.add_cells(any_store, "0" * 32, [_cell("x")])


def test_attempts_are_found_by_key_oldest_first(any_store):
    from jupyter_mlops.tracking.cell_attempts import start_attempt

    ids = []
    for _ in range(3):
        with start_attempt("cell:abc", "try") as run:
            ids.append(run.id)
    with start_attempt("cell:other", "other"):
        pass
    assert [r.run_id for r in cell_store.attempt_runs(any_store, "cell:abc")] == ids
    assert cell_store.attempt_key_of(any_store, ids[1]) == (ids[1], "cell:abc")
    assert mlops.get_run(ids[2]).tags["mlops.previous_attempt"] == ids[1]
