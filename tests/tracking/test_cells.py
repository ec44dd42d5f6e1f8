"""Cell capture while a run is open, hidden-state detection, and hooks that fail safely."""

from __future__ import annotations

import warnings

import nbformat
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.store.cells import CellRecord
from jupyter_mlops.tracking import cells as cells_mod
from jupyter_mlops.tracking.cells import analyze
from jupyter_mlops.tracking.run import active_run


@pytest.fixture
def cell(ip):
    def run(source: str):
        result = ip.run_cell(source, store_history=True)
        if not result.success:
            raise result.error_in_exec or result.error_before_exec
        return result

    return run


def _run_cells(run_id: str) -> list[CellRecord]:
    return mlops.run_cells(run_id)


def test_cells_are_recorded_in_order_with_counts_and_durations(cell):
    cell("prep = 1")
    cell("%mlops start captured")
    run = active_run()
    cell("import time\ntime.sleep(0.02)\nvalue = prep + 1")
    cell("%mlops log value")
    cell("%mlops end")
    cell("after = 3")  # not part of the run
    recorded = _run_cells(run.id)
    during = [c for c in recorded if c.phase == "run"]
    assert [c.source for c in during] == [
        "%mlops start captured",
        "import time\ntime.sleep(0.02)\nvalue = prep + 1",
        "%mlops log value",
        "%mlops end",
    ]
    counts = [c.execution_count for c in during]
    assert counts == sorted(counts) and len(set(counts)) == 4
    assert during[1].duration >= 0.02
    before = [c for c in recorded if c.phase == "before"]
    assert before[-1].source == "prep = 1"
    assert before[-1].execution_count == counts[0] - 1
    assert [c.seq for c in recorded] == list(range(len(recorded)))
    assert not any("after = 3" in c.source for c in recorded)


def test_run_cell_magic_records_its_own_cell(cell):
    cell("%%mlops run onecell\nz = 5")
    run_id = mlops.search_runs(filter="name = 'onecell'")["run_id"][0]
    during = [c for c in _run_cells(run_id) if c.phase == "run"]
    assert [c.source for c in during] == ["%%mlops run onecell\nz = 5"]


def test_failing_cell_error_is_recorded(ip, cell):
    cell("%mlops start errors")
    run = active_run()
    ip.run_cell("1 / 0", store_history=True)
    cell("%mlops end")
    failed = [c for c in _run_cells(run.id) if c.source == "1 / 0"]
    assert failed[0].error == "ZeroDivisionError: division by zero"


def test_a_failing_hook_warns_once_and_stops_capture_for_that_run(ip, cell, monkeypatch):
    cell("%mlops start fragile")
    run = active_run()

    def broken(*args, **kwargs):
        raise RuntimeError("simulated IPython API change")

    monkeypatch.setattr(cells_mod.CellCapture, "_record", broken)
    with pytest.warns(RuntimeWarning, match="cell capture stopped for run") as caught:
        result = ip.run_cell("a = 1", store_history=True)
    assert result.success and ip.user_ns["a"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(3):
            assert ip.run_cell(f"b = {i}", store_history=True).success
    assert len(caught) == 1
    assert ip.user_ns["b"] == 2
    assert (
        "simulated IPython API change" in mlops.get_run(run.id).info.context["cell_capture_error"]
    )
    ip.run_line_magic("mlops", "status")


def test_a_failing_store_write_warns_once(ip, cell, monkeypatch):
    cell("%mlops start fragile-store")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cells_mod.cell_store, "add_cells", broken)
    ip.run_cell("c = 1", store_history=True)
    cells_mod.flush_all()
    with pytest.warns(RuntimeWarning, match="disk full") as caught:
        assert ip.run_cell("d = 2", store_history=True).success
        assert ip.run_cell("e = 3", store_history=True).success
    assert len(caught) == 1


def test_capture_can_be_switched_off(ip, cell):
    cell("%config MlopsMagics.capture_cells = False")
    try:
        cell("%mlops start quiet")
        run = active_run()
        cell("q = 1")
        cell("%mlops end")
        assert _run_cells(run.id) == []
    finally:
        cell("%config MlopsMagics.capture_cells = True")


# -- hidden state --------------------------------------------------------------------
def _c(seq: int, source: str, cell_id: str | None = None, phase: str = "run") -> CellRecord:
    return CellRecord("r", seq, phase, seq + 1, cell_id, source, None, None, None)


NOTEBOOK = [("a", "import x"), ("b", "y = x + 1"), ("c", "fit(y)")]


def test_top_to_bottom_is_in_order():
    report = analyze("r", [_c(0, "import x"), _c(1, "y = x + 1"), _c(2, "fit(y)")], NOTEBOOK)
    assert report.in_order is True and report.warning is None


def test_out_of_order_is_flagged():
    cells = [_c(0, "import x"), _c(1, "fit(y)"), _c(2, "y = x + 1")]
    report = analyze("r", cells, NOTEBOOK)
    assert report.in_order is False
    assert "In [3] (notebook cell 2) ran after In [2] (notebook cell 3)" in report.issues[0]
    assert "cannot be reproduced" in report.warning


def test_reexecuted_cell_is_flagged_by_id():
    cells = [_c(0, "import x", "a"), _c(1, "y = x + 1", "b"), _c(2, "y = x + 1", "b")]
    report = analyze("r", cells, NOTEBOOK)
    assert report.in_order is False and "re-ran notebook cell 2" in report.issues[0]


def test_deleted_and_edited_cells_are_flagged():
    cells = [_c(0, "import x", "a"), _c(1, "secret = 42"), _c(2, "y = x + 2", "b")]
    report = analyze("r", cells, NOTEBOOK)
    assert report.in_order is False
    assert any("no longer in the notebook" in i and "secret = 42" in i for i in report.issues)
    assert any("was edited since it ran" in i for i in report.issues)


def test_identical_cells_in_the_notebook_are_not_reruns():
    notebook = [("a", "%mlops end"), ("b", "x = 1"), ("c", "%mlops end")]
    cells = [_c(0, "%mlops end"), _c(1, "x = 1"), _c(2, "%mlops end")]
    assert analyze("r", cells, notebook).in_order is True


def test_without_a_notebook_only_reruns_are_certain():
    assert analyze("r", [_c(0, "a = 1"), _c(1, "b = 2")], None).in_order is None
    report = analyze("r", [_c(0, "a = 1"), _c(1, "a = 1")], None)
    assert report.in_order is False and "re-ran" in report.issues[0]


def test_skipped_cells_are_noted():
    report = analyze("r", [_c(0, "import x"), _c(1, "fit(y)")], NOTEBOOK)
    assert report.in_order is True
    assert report.notes == ("notebook cells not executed: 2",)


def test_history_against_the_notebook_file(ip, cell, tmp_path, monkeypatch, capsys):
    sources = ["base = 10", "%mlops start from-file", "result = base * 2", "%mlops log result"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / "analysis.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setenv("MLOPS_NOTEBOOK_PATH", str(path))
    ip.reset(new_session=True)  # a fresh kernel: no history from earlier tests
    for source in sources:
        cell(source)
    run = active_run()
    assert run.info.source_path == str(path)
    report = mlops.cell_history()
    assert report.in_order is True, report.issues
    cell("base = 10")  # re-run an earlier cell: hidden state
    report = mlops.cell_history(run.id)
    assert report.in_order is False
    ip.run_line_magic("mlops", "status")
    out = capsys.readouterr().out
    assert "cannot be reproduced from the notebook" in out and "re-ran notebook cell 1" in out
    cell("%mlops end")
    cells_mod.flush_all()
    recorded = mlops.get_run(run.id).info.context["cells"]
    assert recorded["in_order"] is False and recorded["notebook"] == str(path)
