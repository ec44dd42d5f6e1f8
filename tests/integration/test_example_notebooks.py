"""Every example notebook runs top to bottom in a real kernel, in order, on one store."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlops.notebooks import execute_notebook

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"
NOTEBOOKS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory):
    return tmp_path_factory.mktemp("examples") / ".mlops"


def test_there_are_examples():
    assert NOTEBOOKS, "example_notebooks/ holds no NN_*.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_example_notebook_runs(notebook: Path, shared_home: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MLOPS_HOME", str(shared_home))
    monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    out = tmp_path / notebook.name
    nb = execute_notebook(notebook, out, cwd=EXAMPLES)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    assert out.exists()
