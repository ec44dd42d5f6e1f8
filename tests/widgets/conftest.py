"""Fixtures for the views: seeded runs and a notebook executed in a real kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.browser import CHROMIUM_FLAGS, chromium_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded_runs(mlops_home: Path) -> list[str]:
    """Four finished runs of experiment 'exp' with curves of loss and acc, newest first."""
    import jupyter_mlops as mlops

    ids = []
    for i in range(4):
        with mlops.start_run(
            f"run{i}", experiment="exp", params={"lr": [0.1, 0.2, 0.3, 0.4][i], "depth": 3}
        ) as run:
            for step in range(8):
                run.log_metric("loss", 1.0 / (step + 1 + i), step=step)
                run.log_metric("acc", step / 10 + i / 100, step=step)
        ids.append(run.id)
    return ids[::-1]


def write_notebook(path: Path, cells: list[str]) -> Path:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture
def make_notebook(tmp_path: Path) -> Callable[[list[str], str], Path]:
    """Write code cells to ``tmp_path/<name>.ipynb`` with the python3 kernelspec."""
    return lambda cells, name="view": write_notebook(tmp_path / f"{name}.ipynb", cells)


@pytest.fixture
def run_notebook(mlops_home: Path, tmp_path: Path) -> Callable[[list[str]], nbformat.NotebookNode]:
    """Execute cells in a fresh kernel on the test's store; returns the saved output notebook."""
    from jupyter_mlops.notebooks import execute_notebook

    def run(cells: list[str], name: str = "view") -> nbformat.NotebookNode:
        source = write_notebook(tmp_path / f"{name}.ipynb", cells)
        out = tmp_path / f"{name}_out.ipynb"
        execute_notebook(source, out, cwd=tmp_path, timeout=180)
        return nbformat.read(out, as_version=4)

    return run


@pytest.fixture
def nb_outputs() -> Callable[[nbformat.NotebookNode], list[dict]]:
    """Every output of every code cell, in order."""

    def outputs(nb: nbformat.NotebookNode) -> list[dict]:
        return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]

    return outputs


@pytest.fixture
def chromium() -> str:
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return exe


@pytest.fixture
def browser_page(chromium: str):
    """A headless chromium page that may load only file:// URLs (no network)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else route.abort()
            ),
        )
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        yield page
        browser.close()


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Save a full-page screenshot under screenshots/ (git-ignored)."""

    def take(page, name: str) -> Path:
        folder = ROOT / "screenshots"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


DRIFT_SETUP = """
import numpy as np
import pandas as pd
import jupyter_mlops as mlops

rng = np.random.default_rng(7)
n = 2000
ref = pd.DataFrame({f"num{i}": rng.normal(size=n) for i in range(15)})
cur = pd.DataFrame({f"num{i}": rng.normal(loc=0.6 if i < 4 else 0.0, size=n) for i in range(15)})
for i in range(5):
    ref[f"cat{i}"] = rng.choice([f"c{k}" for k in range(40)], n)
    cur[f"cat{i}"] = rng.choice([f"c{k}" for k in range(40 if i else 20)], n)
mlops.snapshot(ref, "reference")
mlops.snapshot(cur, "current")
"""


@pytest.fixture
def drift_snapshots(mlops_home: Path) -> tuple[str, str]:
    """Two stored snapshots of 20 columns (15 numeric, 5 categorical); 5 columns shifted."""
    exec(DRIFT_SETUP, {})
    return "reference@latest", "current@latest"


@pytest.fixture
def drift_setup_code() -> str:
    """The code of ``drift_snapshots``, for a notebook cell."""
    return DRIFT_SETUP


REGISTRY_SETUP = """
import jupyter_mlops as mlops
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

X, y = load_iris(return_X_y=True, as_frame=True)
for i, accuracy in enumerate([0.90, 0.80, 0.95]):
    with mlops.start_run(f"fit{i}", experiment="iris"):
        mlops.log_metric("accuracy", accuracy)
        mlops.register_model("iris", LogisticRegression(max_iter=300).fit(X, y))
"""


@pytest.fixture
def registry_setup_code() -> str:
    """Three versions of model 'iris' whose runs logged accuracy 0.90, 0.80, 0.95."""
    return REGISTRY_SETUP


@pytest.fixture
def iris_versions(mlops_home: Path) -> str:
    exec(REGISTRY_SETUP, {})
    return "iris"
