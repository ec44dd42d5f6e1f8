"""Main-area pages in JupyterLab: Runs table, Compare and Run pages, opened, driven, restored."""

from __future__ import annotations

import io
import statistics
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_panel import in_lab_store, open_lab, open_panel  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
SCREENS = Path(__file__).resolve().parents[2] / ".mlops-test-screens"


def screen(page, name: str) -> None:
    """Screenshots at 1400x900 in the light and the dark theme, each checked for being non-blank."""
    from PIL import Image

    SCREENS.mkdir(exist_ok=True)
    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        page.evaluate(
            f"() => window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})"
        )
        page.wait_for_function(
            f"() => document.body.dataset.jpThemeName === '{theme}'", timeout=30_000
        )
        page.locator("#jupyterlab-splash").wait_for(state="detached")
        png = page.screenshot()
        (SCREENS / f"{name}-{'dark' if 'Dark' in theme else 'light'}.png").write_bytes(png)
        grey = Image.open(io.BytesIO(png)).convert("L").resize((140, 90))
        assert statistics.pvariance(list(grey.getdata())) > 20, f"{name} in {theme} looks blank"
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})"
    )


def palette(page, label: str) -> None:
    """Pick a command in the palette, opened by its command (the shortcut toggles it).

    A tab that has just opened may take the focus and close the palette under
    the pointer: the pick is tried again then.
    """
    box = page.locator(".lm-CommandPalette-input")
    item = page.locator(".lm-CommandPalette-item", has_text=label).first
    for attempt in range(4):
        if not box.is_visible():
            page.evaluate(
                "() => window.jupyterapp.commands.execute('apputils:activate-command-palette')"
            )
        try:
            box.fill(label, timeout=5_000)
            item.click(timeout=5_000)
            return
        except Exception:
            if attempt == 3:
                raise


def seed(n: int = 30) -> list[str]:
    import pandas as pd

    import jupyter_mlops as mlops

    ids = []
    snap = mlops.snapshot(pd.DataFrame({"x": range(50)}), "pages-train", run=False)
    for i in range(n):
        with mlops.start_run(f"pg-{i:02d}", experiment="pages", capture_context=False) as run:
            mlops.log_params({"lr": round(0.01 * (i + 1), 3), "model": "rf" if i % 2 else "lr"})
            for step in range(5):
                mlops.log_metric("acc", i / n + step / 100, step=step)
            if i == 0:
                mlops.log_input(snap.ref)
        ids.append(run.id)
    return ids


def test_pages_open_sort_filter_compare_and_restore(page, in_lab_store):  # noqa: F811
    ids = seed()
    open_lab(page, in_lab_store)
    panel = open_panel(page)
    panel.get_by_role("button", name="Open runs table").click()
    grid = page.get_by_role("grid", name="Runs table")
    grid.get_by_role("row").filter(has_text="pg-29").first.wait_for()
    screen(page, "runs")

    # sort by clicking a header: ascending then descending
    header = grid.get_by_role("columnheader", name="metrics.acc")
    header.click()
    page.wait_for_function(
        "() => document.querySelector('[data-index=\"0\"]')?.textContent.includes('pg-00')"
    )
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    page.wait_for_function(
        "() => document.querySelector('[data-index=\"0\"]')?.textContent.includes('pg-29')"
    )

    # a bad filter: the core's message beside the box, the rows stay
    box = page.get_by_label("Filter runs")
    box.fill("metrics.acc >>> 1")
    box.press("Enter")
    alert = page.locator("#jp-mlops-filter-error")
    alert.wait_for()
    assert "filter" in alert.inner_text()
    assert grid.get_by_role("row").filter(has_text="pg-29").count() == 1
    box.fill("params.model = 'rf' and metrics.acc > 0.5")
    box.press("Enter")
    alert.wait_for(state="detached")
    page.get_by_text("8 runs", exact=True).wait_for()

    # select three runs and compare them
    for name in ("pg-29", "pg-27", "pg-25"):
        grid.get_by_role("row").filter(has_text=name).get_by_role("checkbox").check()
    page.get_by_role("button", name="Compare (3)").click()
    page.get_by_role("img", name="metric curves of the compared runs").locator(
        ".main-svg"
    ).first.wait_for()
    page.get_by_role("img", name="parallel coordinates of params to the metric").locator(
        ".main-svg"
    ).first.wait_for()
    page.get_by_role("table", name="Differing params and metrics").get_by_text(
        "lr"
    ).first.wait_for()
    screen(page, "compare")

    # a run's page from the palette, then its snapshot link
    page.evaluate(
        f"() => {{ void window.jupyterapp.commands.execute('jupyter-mlops:open-run', {{runId: '{ids[0]}'}}); }}"
    )
    page.get_by_role("heading", name="pg-00").wait_for()
    page.get_by_role("img", name="metric acc").locator(".main-svg").first.wait_for()
    screen(page, "run")
    page.get_by_role("link", name="pages-train@1").click()
    page.get_by_role("img", name="profile x").locator(".main-svg").first.wait_for()
    screen(page, "snapshot")

    palette(page, "MLOps: Open runs")
    page.get_by_role("grid", name="Runs table").first.wait_for()

    # the layout comes back after a reload: the run and compare tabs are there again
    page.wait_for_timeout(1500)  # the layout is saved on a debounce; nothing to wait on
    page.reload()
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
    page.evaluate("() => window.jupyterapp.restored")
    tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tabLabel")
    tabs.filter(has_text=f"Run {ids[0][:8]}").wait_for()
    tabs.filter(has_text="Compare 3 runs").wait_for()


def test_a_deleted_run_says_so_on_its_page(page, in_lab_store):  # noqa: F811
    import jupyter_mlops as mlops

    with mlops.start_run("to-delete", experiment="pages", capture_context=False) as run:
        mlops.log_metric("acc", 1.0)
    open_lab(page, in_lab_store)
    page.evaluate(
        f"() => {{ void window.jupyterapp.commands.execute('jupyter-mlops:open-run', {{runId: '{run.id}'}}); }}"
    )
    page.get_by_role("heading", name="to-delete").wait_for()
    mlops.delete_run(run.id, reason="ui test")
    page.locator(".jp-mlops-run-page").get_by_role("button", name="Refresh").click()
    page.get_by_role("alert").filter(has_text="This run was deleted").wait_for()
