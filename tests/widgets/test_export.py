"""Executed notebooks exported to HTML draw their figures in a real (headless) chromium."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.widgets.export import export_html, plotly_js

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_exported_page_inlines_plotly_once_and_draws_every_figure(
    seeded_runs, run_notebook, tmp_path, browser_page, screenshot
):
    nb = run_notebook(
        [
            "import jupyter_mlops as mlops",
            f"mlops.widgets.runs(select=[{seeded_runs[0]!r}, {seeded_runs[3]!r}])",
            "mlops.widgets.runs(metrics=['loss']).static()",
        ],
        "runs_export",
    )
    page_file = export_html(nb, tmp_path / "runs.html")
    text = page_file.read_text()
    assert text.count(plotly_js()[:200]) == 1  # one plotly.js per page, not per output
    browser_page.goto(page_file.as_uri())
    browser_page.wait_for_selector(".mlops-plotly-plot .main-svg")
    plots = browser_page.locator(".mlops-plotly-plot")
    assert plots.count() == 2
    assert browser_page.locator(".mlops-plotly-plot .scatterlayer .trace").count() == 2 + 3
    assert browser_page.get_by_text("parameters that differ").first.is_visible()
    assert browser_page.errors == []
    screenshot(browser_page, "runs_view")


def test_a_notebook_without_plotly_outputs_gets_no_plotly_js(run_notebook, tmp_path):
    nb = run_notebook(["1 + 1"], "plain")
    assert "Plotly.newPlot" not in export_html(nb, tmp_path / "plain.html").read_text()


def test_exported_drift_view_draws_verdict_table_and_distributions(
    run_notebook, drift_setup_code, tmp_path, browser_page, screenshot
):
    nb = run_notebook(
        [drift_setup_code, "mlops.widgets.drift('reference@latest', 'current@latest')"],
        "drift_export",
    )
    page_file = export_html(nb, tmp_path / "drift.html")
    browser_page.goto(page_file.as_uri())
    browser_page.wait_for_selector(".mlops-plotly-plot .main-svg")
    assert browser_page.get_by_text("5 of 20 columns drifted").is_visible()
    assert browser_page.locator(".mlops-view table tbody tr").count() == 20
    assert browser_page.locator(".mlops-plotly-plot .barlayer .trace").count() == 2
    assert browser_page.errors == []
    screenshot(browser_page, "drift_view")


THREE_VIEWS = [
    "mlops.widgets.runs()",
    "mlops.widgets.registry('iris')",
    "mlops.widgets.drift('reference@latest', 'current@latest')",
]


def test_a_page_of_three_views_holds_plotly_js_once_or_links_one_shared_file(
    run_notebook, registry_setup_code, drift_setup_code, tmp_path
):
    nb = run_notebook([registry_setup_code, drift_setup_code, *THREE_VIEWS], "three_views")
    js = plotly_js()
    inline = export_html(nb, tmp_path / "inline.html").read_text()
    assert inline.count(js[:200]) == 1 and inline.count(js[-200:]) == 1
    assert inline.count('class="mlops-plotly-plot"') == 3
    linked = export_html(nb, tmp_path / "pages" / "a.html", plotly="directory")
    export_html(nb, tmp_path / "pages" / "b.html", plotly="directory")
    text = linked.read_text()
    assert js[:200] not in text and text.count('<script src="plotly.min.js"') == 1
    assert (tmp_path / "pages" / "plotly.min.js").read_text() == js  # one copy for both pages
    assert len(text) < len(inline) - len(js) + 1000
    assert text.count('class="mlops-plotly-plot"') == 3
    with pytest.raises(InvalidArgument, match="plotly"):
        export_html(nb, tmp_path / "bad.html", plotly="cdn")


def test_a_page_linking_plotly_draws_offline(
    run_notebook, drift_setup_code, tmp_path, browser_page, screenshot
):
    nb = run_notebook([drift_setup_code, THREE_VIEWS[2]], "drift_linked")
    page_file = export_html(nb, tmp_path / "linked.html", plotly="directory")
    browser_page.goto(page_file.as_uri())
    browser_page.wait_for_selector(".mlops-plotly-plot .main-svg")
    assert browser_page.locator(".mlops-plotly-plot .barlayer .trace").count() == 2
    assert browser_page.errors == []
