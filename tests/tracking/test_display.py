"""Runs and status render as compact HTML in notebooks and as text in terminals."""

from __future__ import annotations

from IPython.lib.pretty import pretty

import jupyter_mlops as mlops
from jupyter_mlops.tracking.display import StatusView, run_view


def test_run_renders_as_html_and_text(mlops_home):
    with mlops.start_run("shown", experiment="disp", params={"lr": 0.1}) as run:
        run.log_metric("acc", 0.875)
        run.log_artifact(b"{}", "config.json")
    html = run._repr_html_()
    assert "shown" in html and "FINISHED" in html and "disp" in html
    assert "lr" in html and "0.875" in html and "config.json" in html
    text = pretty(run)
    assert text.startswith(f"shown [FINISHED] {run.id[:8]} · disp")
    assert "params: lr=0.1" in text and "metrics: acc=0.875" in text


def test_failed_run_shows_its_error(mlops_home):
    try:
        with mlops.start_run("bad"):
            raise KeyError("missing column")
    except KeyError:
        pass
    run_id = mlops.search_runs()["run_id"][0]
    view = run_view(run_id)
    assert "KeyError: &#x27;missing column&#x27;" in view._repr_html_()
    assert "error: KeyError: 'missing column'" in repr(view)


def test_html_is_escaped(mlops_home):
    with mlops.start_run("<script>alert(1)</script>", params={"p": "<b>x</b>"}) as run:
        pass
    html = run._repr_html_()
    assert "<script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the name is shown, escaped


def test_display_never_raises(mlops_home, monkeypatch):
    with mlops.start_run("fragile") as run:
        pass
    from jupyter_mlops.tracking import display

    def broken(run_id):
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(display, "run_view", broken)
    assert "store unreachable" in run._repr_html_()
    assert pretty(run) == repr(run)


def test_status_without_a_run():
    view = StatusView(None, "on", ("sklearn",))
    assert "no open run" in view._repr_html_()
    assert repr(view).splitlines() == ["no open run", "cell capture: on", "autolog: sklearn"]


def test_run_and_status_link_to_the_run_page_in_lab(mlops_home, monkeypatch):
    """The href is absolute from the server's base URL: Lab takes a relative one for a file."""
    monkeypatch.setenv("MLOPS_LAB_BASE_URL", "/user/ana/")
    with mlops.start_run("linked") as run:
        pass
    link = f"<a class='jp-mlops-open-in-lab' href='/user/ana/lab?mlops-run={run.id}'"
    assert link in run._repr_html_()
    assert f"data-mlops-run='{run.id}'" in run._repr_html_()
    status = StatusView(run_view(run.id), "on")._repr_html_()
    assert link in status and ">open in Lab</a>" in status
    monkeypatch.delenv("MLOPS_LAB_BASE_URL")
    assert f"href='/lab?mlops-run={run.id}'" in run._repr_html_()
