"""The runs view in-process: paging, filtering, sorting, selection and what it draws."""

from __future__ import annotations

import html

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.widgets.static import PLOTLY_MIME

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def curve_runs(view) -> set[str]:
    return {t["meta"]["run_id"] for t in view.figure["data"]}


def test_first_page_selects_the_newest_runs_and_draws_their_curves(seeded_runs):
    view = mlops.widgets.runs()
    assert view.total == 4
    assert list(view.frame["run_id"]) == seeded_runs
    assert view.selected == seeded_runs[:3]
    assert curve_runs(view) == set(seeded_runs[:3])
    assert view.metric_box.value == ("acc",)
    assert all(len(t["y"]) == 8 for t in view.figure["data"])


def test_changing_the_selection_changes_the_figure(seeded_runs):
    view = mlops.widgets.runs()
    before = view.figure
    view.selector.value = (seeded_runs[3],)  # as a click in the front end would
    assert view.selected == [seeded_runs[3]]
    assert curve_runs(view) == {seeded_runs[3]}
    assert view.figure != before
    assert view.curves.outputs[0]["data"][PLOTLY_MIME]["data"] == view.figure["data"]


def test_choosing_metrics_overlays_one_curve_per_run_and_metric(seeded_runs):
    view = mlops.widgets.runs(select=seeded_runs[:2])
    view.metric_box.value = ("acc", "loss")
    names = sorted(t["name"] for t in view.figure["data"])
    assert len(names) == 4
    assert any(n.endswith("· loss") for n in names)


def test_param_diff_lists_only_params_that_differ(seeded_runs):
    view = mlops.widgets.runs(select=seeded_runs[:2])
    assert "lr" in view.diff.value
    assert "depth" not in view.diff.value
    assert "latest metrics" in view.latest.figure["layout"]["title"]["text"]


def test_paging_filter_and_sort_happen_in_the_store(seeded_runs):
    view = mlops.widgets.runs(page_size=3)
    assert len(view.frame) == 3 and "1–3 of 4" in view.page_label.value
    assert view.prev_button.disabled and not view.next_button.disabled
    view.next_page()
    assert list(view.frame["run_id"]) == seeded_runs[3:]
    assert view.selected == seeded_runs[:3]  # selection survives paging
    view.filter_box.value = "params.lr > 0.25"
    assert view.total == 2 and view.offset == 0
    view.filter_box.value = ""
    view.order_box.value = "metrics.loss"
    view.descending.value = False
    assert view.frame["run_id"].iloc[0] == seeded_runs[0]  # run3 has the lowest final loss


def test_a_bad_filter_shows_a_clear_message(seeded_runs):
    view = mlops.widgets.runs()
    view.filter_box.value = "metrics.acc >"
    assert "filter" in view.message.value and "expected" in view.message.value
    assert view.frame.empty


def test_bad_arguments_name_the_argument(seeded_runs):
    with pytest.raises(InvalidArgument, match="experiment"):
        mlops.widgets.runs(experiment="nope")
    with pytest.raises(InvalidArgument, match="page_size"):
        mlops.widgets.runs(page_size=0)
    with pytest.raises(InvalidArgument, match="metrics"):
        mlops.widgets.runs(select=seeded_runs[:1], metrics=["nope"])


def test_an_empty_store_shows_an_empty_view(mlops_home):
    view = mlops.widgets.runs()
    assert view.total == 0 and view.selected == []
    assert view.figure["data"] == []
    assert "no runs yet" in view.table.value


def test_the_mime_bundle_carries_the_widget_and_its_static_fallback(seeded_runs):
    bundle = mlops.widgets.runs()._repr_mimebundle_()
    assert WIDGET_MIME in bundle
    assert bundle[PLOTLY_MIME]["data"]
    assert "run0" in bundle["text/html"]
    static = mlops.widgets.runs().static()._repr_mimebundle_()
    assert WIDGET_MIME not in static and PLOTLY_MIME in static


def test_run_names_are_escaped_in_html(mlops_home):
    with mlops.start_run("<script>x</script>", experiment="exp"):
        mlops.log_metric("m", 1.0)
    html = mlops.widgets.runs().table.value
    assert "<script>x" not in html and "&lt;script&gt;" in html


def test_refresh_picks_up_new_runs_and_new_points(seeded_runs):
    view = mlops.widgets.runs()
    with mlops.start_run("live", experiment="exp") as run:
        run.log_metric("acc", 0.1, step=0)
        view.refresh_button.click()
        assert view.total == 5 and view.frame["name"].iloc[0] == "live"
        view.select([run.id])
        run.log_metric("acc", 0.2, step=1)
        view.refresh_button.click()
        assert view.figure["data"][0]["y"] == [0.1, 0.2]


@pytest.mark.parametrize("n", [60])
def test_paging_on_sqlite_and_postgresql(any_store, n):
    for i in range(n):
        with mlops.start_run(f"r{i:02d}", experiment="many", capture_context=False) as run:
            run.log_metric("m", float(i))
    view = mlops.widgets.runs("many", order_by="metrics.m DESC", page_size=25, select=[])
    pages = [list(view.frame["name"])]
    while not view.next_button.disabled:
        view.next_page()
        pages.append(list(view.frame["name"]))
    assert [len(p) for p in pages] == [25, 25, 10]
    assert pages[0][0] == "r59" and pages[-1][-1] == "r00"
    assert "51–60 of 60" in view.page_label.value


def test_a_long_param_is_cut_with_its_whole_value_in_a_title(mlops_home):
    steps = repr(
        [("scale", "StandardScaler()"), ("clf", "LogisticRegression(C=0.5, max_iter=500)")]
    )
    with mlops.start_run("pipe", experiment="exp", params={"steps": steps, "C": 0.5}):
        mlops.log_metric("acc", 0.9)
    view = mlops.widgets.runs()
    table = view.static_html()
    escaped = html.escape(steps, quote=True)
    assert f'title="{escaped}"' in table  # the whole value on hover, escaped
    assert f">{escaped}<" not in table  # the cell itself shows it cut
    assert "…" in table and "<td>0.5</td>" in table  # short values stay as they are
    assert "'StandardScaler()'" not in table  # no raw quote can close the attribute


def test_a_metric_with_one_value_is_drawn_as_a_value_not_a_dot(mlops_home):
    ids = []
    for i, acc in enumerate([0.91, 0.87]):
        with mlops.start_run(f"once{i}", experiment="exp") as run:
            mlops.log_metric("acc", acc)
        ids.append(run.id)
    figure = mlops.widgets.runs(select=ids).figure
    assert all(t["type"] != "scatter" for t in figure["data"]), figure["data"]
    (bars,) = figure["data"]
    assert bars["type"] == "bar" and sorted(bars["x"]) == [0.87, 0.91]
    assert bars["text"] == ["0.91", "0.87"] or bars["text"] == ["0.87", "0.91"]
    single = mlops.widgets.runs(select=ids[:1]).figure
    assert single["data"][0]["type"] in ("bar", "indicator")
