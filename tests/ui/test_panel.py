"""End to end: JupyterLab, the side panel, a notebook that logs a run, events."""

from __future__ import annotations

import json

import nbformat
import pytest

from .conftest import shot

pytestmark = pytest.mark.browser


def open_lab(page, lab, path: str = "lab"):
    """Open Lab and wait until its layout is restored.

    Restoring can navigate the page once (the router acting on a restored
    page's URL), which drops a pending evaluation: then wait again on the new
    document rather than fail.
    """
    from playwright.sync_api import Error

    page.goto(lab.page_url(path))
    for attempt in range(3):
        try:
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
            page.evaluate("() => window.jupyterapp.restored")
            return
        except Error as exc:
            gone = "garbage collected" in str(exc) or "context was destroyed" in str(exc)
            if not gone or attempt == 2:
                raise
            page.wait_for_load_state()


def open_panel(page):
    panel = page.locator("#jupyter-mlops-panel")
    if not panel.is_visible():  # the restored layout may already show it; a click would hide it
        page.locator('li[data-id="jupyter-mlops-panel"]').click()
    panel.get_by_role("tab", name="Runs").wait_for()
    return panel


def write_notebook(lab, name: str, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (lab.root / name).write_text(nbformat.writes(nb))


def run_all_cells(page) -> None:
    """Run the current notebook once its kernel is connected and idle."""
    page.wait_for_function(
        """() => {
            const nb = window.jupyterapp.shell.currentWidget;
            const kernel = nb && nb.sessionContext && nb.sessionContext.session
                && nb.sessionContext.session.kernel;
            return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
        }""",
        timeout=120_000,
    )
    # Not awaited: the command's promise follows the whole execution; the output is the signal.
    page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def test_panel_shows_a_run_logged_by_a_notebook_cell(page, lab):
    write_notebook(
        lab,
        "log_run.ipynb",
        "import jupyter_mlops as mlops\n"
        "with mlops.start_run('from-the-notebook', experiment='ui-test') as run:\n"
        "    for step in range(5):\n"
        "        run.log_metric('acc', 0.5 + step / 10, step=step)\n"
        "print('logged', run.id)",
    )
    open_lab(page, lab, "lab/tree/log_run.ipynb")
    panel = open_panel(page)
    runs = panel.get_by_role("table", name="Runs list")
    runs.wait_for()
    assert runs.get_by_text("from-the-notebook").count() == 0

    page.locator(".jp-NotebookPanel").first.wait_for()
    run_all_cells(page)
    page.locator(".jp-OutputArea-output").get_by_text("logged").wait_for(timeout=120_000)
    # The live list picks the run up by itself (refresh interval), no click needed.
    row = runs.locator("tr", has_text="from-the-notebook")
    row.wait_for(timeout=60_000)
    assert "finished" in row.inner_text()
    shot(page, "runs-list")

    row.click()
    detail = panel.get_by_label("Run details")
    detail.get_by_text("from-the-notebook").first.wait_for()
    detail.get_by_role("img", name="metric acc").locator(".main-svg").first.wait_for()
    shot(page, "run-detail")


def test_events_tab_shows_run_events(page, lab):
    open_lab(page, lab)
    panel = open_panel(page)
    panel.get_by_role("tab", name="Events").click()
    events = panel.get_by_role("list", name="Events list")
    events.locator('li[data-kind="run.started"]').first.wait_for()
    shot(page, "events")


def test_settings_route_answers_the_panel_version(page, lab):
    open_lab(page, lab)
    reply = page.evaluate(
        """async () => {
            const r = await fetch('/mlops/api/settings');
            return {status: r.status, body: await r.text()};
        }"""
    )
    assert reply["status"] == 200
    assert json.loads(reply["body"])["version"] == "0.1.0"


@pytest.fixture
def in_lab_store(lab, monkeypatch):
    """This test process writes to the store the JupyterLab server reads."""
    monkeypatch.setenv("MLOPS_HOME", str(lab.home))
    monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    return lab


def test_move_an_alias_and_see_the_event(page, in_lab_store):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=300).fit(X, y)
    for acc in (0.8, 0.95):
        with mlops.start_run(f"fit-{acc}", experiment="ui-models", capture_context=False):
            mlops.log_metric("acc", acc)
            mlops.register_model("iris-ui", model)

    open_lab(page, in_lab_store)
    panel = open_panel(page)
    panel.get_by_role("tab", name="Registry").click()
    panel.get_by_role("table", name="Models list").get_by_text("iris-ui").click()
    panel.get_by_label("Live windows").get_by_text("no inference-log windows yet").wait_for()
    form = panel.get_by_role("form", name="Move alias")
    form.get_by_label("Version").select_option("2")
    form.get_by_label("Reason").fill("better accuracy on the holdout")
    # the gates go to the server as typed: a line it cannot read is refused, not dropped
    form.get_by_label("Gates").fill("acc >= 0.9\nacc about 0.9")
    form.get_by_role("button", name="Move alias").click()
    panel.get_by_role("alert").filter(has_text="got 'acc about 0.9'").wait_for()
    assert mlops.get_model("iris-ui").aliases == {}
    form.get_by_label("Gates").fill("acc >= 0.9")
    form.get_by_role("button", name="Move alias").click()
    panel.get_by_role("status").filter(has_text="iris-ui@production → version 2").wait_for()
    panel.get_by_role("list", name="Gate results").get_by_text("acc").wait_for()
    history = panel.get_by_role("list", name="Alias history")
    history.get_by_text("better accuracy on the holdout").wait_for()
    shot(page, "registry-alias-moved")
    assert mlops.get_model("iris-ui").aliases == {"production": 2}

    panel.get_by_role("tab", name="Events").click()
    event = panel.get_by_role("list", name="Events list").locator(
        'li[data-kind="model.alias_moved"]', has_text="better accuracy on the holdout"
    )
    event.wait_for()
    shot(page, "events-alias-moved")


def test_drift_view_shows_the_core_figure(page, in_lab_store):
    import numpy as np
    import pandas as pd

    import jupyter_mlops as mlops

    rng = np.random.default_rng(1)
    mlops.snapshot(pd.DataFrame({"x": rng.normal(0, 1, 400)}), "ui-train", run=False)
    mlops.snapshot(pd.DataFrame({"x": rng.normal(2, 1, 400)}), "ui-train", run=False)

    open_lab(page, in_lab_store)
    panel = open_panel(page)
    panel.get_by_role("tab", name="Drift").click()
    panel.get_by_label("Reference").select_option("ui-train@1")
    panel.get_by_label("Current").select_option("ui-train@2")
    panel.get_by_role("button", name="Compare").click()
    verdict = panel.get_by_role("status").filter(has_text="DRIFTED")
    verdict.filter(has_text="1 of 1 columns drifted, dataset drift needs 50%").wait_for()
    panel.get_by_role("img", name="drift figure").locator(".main-svg").first.wait_for()
    shot(page, "drift")

    panel.get_by_role("tab", name="Snapshots").click()
    panel.get_by_role("table", name="Snapshots list").get_by_text("ui-train@2").click()
    panel.get_by_role("img", name="profile x").locator(".main-svg").first.wait_for()
    shot(page, "snapshot-profile")


def test_promote_notebook_from_the_command_palette(page, in_lab_store):
    write_notebook(in_lab_store, "promote_me.ipynb", "alpha = 0.5", "print(alpha)")
    open_lab(page, in_lab_store, "lab/tree/promote_me.ipynb")
    page.locator(".jp-NotebookPanel").first.wait_for()
    # Earlier tests' notebooks are restored too: pick this one and bring it to the front.
    nb_id = page.wait_for_function(
        """() => {
            for (const w of window.jupyterapp.shell.widgets('main')) {
                if (w.context && w.context.path === 'promote_me.ipynb') {
                    window.jupyterapp.shell.activateById(w.id);
                    return w.id;
                }
            }
            return null;
        }"""
    ).json_value()
    assert nb_id
    notebook = page.locator(f"[id='{nb_id}']")
    # The command is registered (the palette lists it under "MLOps")...
    assert page.evaluate(
        "() => window.jupyterapp.commands.hasCommand('jupyter-mlops:promote-notebook')"
    )
    # ...and on the notebook's toolbar, which runs it.
    notebook.locator(".jp-Toolbar").get_by_role("button", name="Promote").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Notebook promoted to a pipeline").wait_for(timeout=120_000)
    assert "alpha" in dialog.inner_text()
    shot(page, "promoted")
    dialog.get_by_role("button", name="Ok").click()
    assert (in_lab_store.root / "pipelines" / "promote_me").is_dir()

    panel = open_panel(page)
    panel.get_by_role("tab", name="Pipelines").click()
    panel.get_by_role("heading", name="promote_me").wait_for()
