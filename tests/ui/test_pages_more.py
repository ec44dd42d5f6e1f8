"""Model, Snapshot, Drift and Monitoring pages in JupyterLab; links into Lab; a server restart."""

from __future__ import annotations

import json
import os
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import free_port, running_lab

from .test_pages import palette, screen
from .test_panel import in_lab_store, open_lab, open_panel  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def seed_registry() -> dict[str, str]:
    """``clf`` v1 trained by a run that read ``train@1``, promoted through a gate, monitored."""
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops
    from tests.monitor.monitor_helpers import reference, rows, serve

    reference()  # train@1
    shifted = rows(7, 3000, shift=1.0)
    shifted["y"] = (shifted.a > 0).astype(int)
    mlops.snapshot(shifted, "train", run=False)  # train@2
    with mlops.start_run("fit-clf", experiment="pages-more", capture_context=False) as run:
        mlops.log_input("train@1")
        frame = rows(3, 200)
        model = LogisticRegression().fit(frame, (frame.a > 0).astype(int))
        mlops.log_metric("accuracy", 0.95)
        mlops.register_model("clf", model)
    mlops.promote("clf", 1, require={"accuracy": ">= 0.9"}, reason="first ship")
    mlops.monitor("churn", model="clf@production", reference="train@1", drift={"share": 0.5})

    class Clock:
        now = 1_000_000.0

        def __call__(self) -> float:
            return self.now

        def advance(self, seconds: float) -> None:
            self.now += seconds

    serve(model, Clock(), [rows(1), rows(2, shift=1.5)])
    mlops.run_monitor("churn")
    return {"run": run.id}


@pytest.fixture(scope="module")
def seeded(lab):
    old = os.environ.get("MLOPS_HOME")
    os.environ["MLOPS_HOME"] = str(lab.home)
    try:
        return seed_registry()
    finally:
        if old is None:
            os.environ.pop("MLOPS_HOME")
        else:
            os.environ["MLOPS_HOME"] = old


def test_model_lineage_to_run_to_snapshot_from_the_panel(page, in_lab_store, seeded):  # noqa: F811
    open_lab(page, in_lab_store)
    panel = open_panel(page)
    panel.get_by_role("tab", name="Registry").click()
    panel.get_by_role("button", name="Open models page").click()
    page.get_by_role("table", name="Models").get_by_role("link", name="clf").click()
    model = page.locator(".jp-mlops-model-page").filter(has_text="Model clf")
    model.get_by_role("table", name="Versions").get_by_text("production").wait_for()
    history = model.get_by_role("table", name="Alias history")
    history.get_by_text("first ship").wait_for()
    assert "accuracy >= 0.9" in history.inner_text()
    live = model.get_by_role("region", name="Live windows")
    live.get_by_text("last alert: churn").wait_for()
    assert live.get_by_role("table", name="Windows").get_by_role("row").count() == 3
    graph = model.get_by_role("img", name="lineage graph")
    graph.get_by_role("link", name="snapshot train@1").wait_for()
    screen(page, "model")

    graph.get_by_role("link", name=f"run fit-clf {seeded['run'][:8]}").click()
    page.get_by_role("heading", name="fit-clf").wait_for()
    page.locator(".jp-mlops-run-page").get_by_role("link", name="train@1").click()
    snap = page.locator(".jp-mlops-snapshot-page").filter(has_text="Snapshot train@1")
    snap.get_by_role("table", name="Schema table").get_by_text("double").first.wait_for()
    snap.get_by_role("table", name="Expectations table").get_by_text("a", exact=True).wait_for()
    snap.get_by_role("img", name="profile a").locator(".main-svg").first.wait_for()
    snap.get_by_role("region", name="Read by runs").get_by_role(
        "link", name=seeded["run"][:8]
    ).wait_for()
    screen(page, "snapshot-page")


def test_drift_and_monitoring_pages_from_the_panel(page, in_lab_store, seeded):  # noqa: F811
    open_lab(page, in_lab_store)
    panel = open_panel(page)
    panel.get_by_role("tab", name="Drift").click()
    panel.get_by_role("button", name="Open drift page").click()
    drift = page.locator(".jp-mlops-drift-page")
    verdict = drift.get_by_role("status", name="Drift verdict")
    verdict.wait_for()
    assert "train@1 → train@2" in verdict.inner_text() and "DRIFTED" in verdict.inner_text()
    drift.get_by_role("table", name="Drift per column").get_by_role("row").filter(
        has_text="wasserstein"
    ).first.click()
    drift.get_by_role("img", name=re.compile("^drift of ")).locator(".main-svg").first.wait_for()
    screen(page, "drift")

    panel.get_by_role("tab", name="Registry").click()
    panel.get_by_role("button", name="Open monitors page").click()
    page.get_by_role("table", name="Monitors").get_by_role("link", name="churn").click()
    mon = page.locator(".jp-mlops-monitoring-page").filter(has_text="Monitor churn")
    mon.get_by_role("img", name="monitoring history").locator(".main-svg").first.wait_for()
    assert mon.get_by_role("table", name="Alerts table").get_by_role("row").count() == 2
    screen(page, "monitoring")


def test_new_pages_from_the_palette(page, in_lab_store, seeded):  # noqa: F811
    open_lab(page, in_lab_store)
    palette(page, "MLOps: Open model registry")
    page.get_by_role("table", name="Models").get_by_role("link", name="clf").wait_for()
    palette(page, "MLOps: Open monitoring")
    page.get_by_role("table", name="Monitors").get_by_role("link", name="churn").wait_for()
    palette(page, "MLOps: Open drift")
    page.locator(".jp-mlops-drift-page").get_by_role("status", name="Drift verdict").wait_for()
    page.once("dialog", lambda d: d.accept("train@2"))
    palette(page, "MLOps: Open snapshot")
    page.locator(".jp-mlops-snapshot-page").filter(has_text="Snapshot train@2").get_by_role(
        "table", name="Schema table"
    ).wait_for()


def test_open_in_lab_link_and_route(page, in_lab_store, seeded):  # noqa: F811
    """The notebook's link opens the run as a tab (no reload); the URL alone opens it too."""
    from jupyter_mlops.tracking.display import run_view

    html = run_view(seeded["run"])._repr_html_()
    open_lab(page, in_lab_store)
    page.evaluate(
        """html => { window.__notReloaded = true; const d = document.createElement('div');
           d.id = 'fake-output'; d.innerHTML = html;
           d.style.cssText = 'position:fixed;top:40px;left:300px;z-index:10000;background:white'; document.body.appendChild(d); }""",
        html,
    )
    page.locator("#fake-output").get_by_role("link", name="open in Lab").click()
    page.get_by_role("heading", name="fit-clf").wait_for()
    assert page.evaluate("() => window.__notReloaded === true")

    server = in_lab_store.server
    page.goto(f"{server.url}lab?mlops-run={seeded['run']}&token={server.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").filter(
        has_text=f"Run {seeded['run'][:8]}"
    ).wait_for()


def test_pages_say_the_server_is_gone_and_recover(browser, tmp_path):
    """JupyterLab stopped and started again on the same port and token while pages are open."""
    import jupyter_mlops as mlops

    root, home = tmp_path / "root", tmp_path / "root" / ".mlops"
    root.mkdir()
    settings = tmp_path / "settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
        "jupyter-mlops/plugin": {"refreshInterval": 1},
    }.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"), "MLOPS_HOME": str(home)}  # fmt: skip
    env.pop("MLOPS_TRACKING_URI", None)
    os.environ["MLOPS_HOME"] = str(home)
    try:
        import pandas as pd

        mlops.snapshot(pd.DataFrame({"x": range(20)}), "before", run=False)
        port, token = free_port(), uuid.uuid4().hex
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(60_000)
        with running_lab(root, tmp_path, env, port=port, token=token) as server:
            page.goto(server.page_url())
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
            page.evaluate(
                "() => window.jupyterapp.commands.execute('jupyter-mlops:open-snapshot', {ref: 'before@1'})"
            )
            snap = page.locator(".jp-mlops-snapshot-page")
            snap.get_by_role("table", name="Schema table").wait_for()
        snap.get_by_role("button", name="Refresh").click()  # the next request finds it gone
        snap.get_by_role("alert").filter(has_text="does not answer").wait_for()
        assert snap.get_by_role(
            "table", name="Schema table"
        ).is_visible()  # it keeps what it showed
        with running_lab(root, tmp_path, env, port=port, token=token):
            # back by itself: the banner goes and the page fetches again (its error line clears)
            snap.locator(".jp-mlops-offline").wait_for(state="detached")
            expect(snap.get_by_role("alert")).to_have_count(0)
            assert snap.get_by_role("table", name="Schema table").is_visible()
        context.close()
    finally:
        os.environ.pop("MLOPS_HOME", None)
