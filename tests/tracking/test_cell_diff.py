"""The code two runs executed, diffed cell by cell and line by line."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import NotFound
from jupyter_mlops.tracking.cell_diff import diff_run_cells, diff_sources

from .cell_seed import run_with_cells


def test_equal_cells_pair_up_and_a_changed_line_is_a_replace():
    rows = diff_sources(["a = 1", "b = a + 1\nprint(b)"], ["a = 1", "b = a + 2\nprint(b)"])
    assert [r["op"] for r in rows] == ["equal", "replace"]
    lines = rows[1]["lines"]
    assert lines[0] == {"op": "replace", "left": "b = a + 1", "right": "b = a + 2"}
    assert lines[1] == {"op": "equal", "left": "print(b)", "right": "print(b)"}


def test_an_added_cell_is_an_insert_with_no_left_side():
    rows = diff_sources(["x = 1"], ["x = 1", "y = 2"])
    assert rows[1]["op"] == "insert"
    assert rows[1]["left_cell"] is None and rows[1]["right_cell"] == 1
    assert rows[1]["lines"] == [{"op": "insert", "left": None, "right": "y = 2"}]


def test_runs_diff_only_the_cells_that_ran_inside_them(store):
    a = run_with_cells("a", ["lr = 0.1", "fit(lr)"], before=("import os",))
    b = run_with_cells("b", ["lr = 0.2", "fit(lr)"], before=("import sys",))
    diff = diff_run_cells(a, b)
    assert diff["changed"] == 1
    assert [r["op"] for r in diff["rows"]] == ["replace", "equal"]


def test_an_unknown_run_is_not_found(store):
    a = run_with_cells("a", ["x = 1"])
    with pytest.raises(NotFound):
        diff_run_cells(a, "nosuchrun")
