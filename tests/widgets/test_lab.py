"""The runs view in a real JupyterLab 4: it renders with nothing enabled by hand, and a
selection made in the browser reaches the kernel and redraws the curves."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.browser import running_lab

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NOTEBOOK = """\
import jupyter_mlops as mlops
for i in range(3):
    with mlops.start_run(f"run{i}", experiment="lab") as run:
        for step in range(6):
            run.log_metric("loss", 1 / (step + 1 + i), step=step)
view = mlops.widgets.runs()
view"""


@pytest.fixture
def lab_url(tmp_path: Path, mlops_home: Path) -> Iterator[str]:
    """JupyterLab on loopback over a folder holding the notebook; yields the notebook's URL."""
    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (root / "runs.ipynb").write_text(nbformat.writes(nb))
    with running_lab(root, tmp_path, dict(os.environ)) as server:
        yield server.page_url("lab/tree/runs.ipynb")


KERNEL_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle';
}"""


def test_runs_view_renders_in_jupyterlab_and_follows_a_click(lab_url, browser_page, screenshot):
    page = browser_page
    page.unroute("**/*")  # this page talks to the local Lab server (loopback only)
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
            else route.abort()
        ),
    )
    page.set_default_timeout(120_000)
    page.goto(lab_url)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
    page.wait_for_function(KERNEL_IDLE)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    curves = page.locator(".jupyter-widgets .js-plotly-plot .scatterlayer .trace")
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'.jupyter-widgets .js-plotly-plot .scatterlayer .trace').length === 3"
    )
    assert page.get_by_text("runs 1–3 of 3").is_visible()
    # a click in the front end: select one run only
    page.locator(".jupyter-widgets select[multiple]").first.select_option(index=2)
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'.jupyter-widgets .js-plotly-plot .scatterlayer .trace').length === 1"
    )
    assert curves.count() == 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jupyter-widgets .mlops-view tbody tr')]"
        ".filter(r => r.textContent.includes('●')).length === 1"
    )
    marked = page.locator(".jupyter-widgets .mlops-view tbody tr", has_text="●")
    assert "run0" in marked.inner_text()
    screenshot(page, "runs_view_lab")
