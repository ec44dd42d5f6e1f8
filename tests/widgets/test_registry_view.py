"""The registry view: versions with metrics and aliases, lineage, alias moves through the gates."""

from __future__ import annotations

import itertools

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.store import get_store
from jupyter_mlops.store.events import list_events


def _events(kind: str) -> list:
    with get_store().db.session() as s:
        return list_events(s, kind=kind)


def test_versions_with_metrics_aliases_and_lineage(iris_versions):
    mlops.set_alias("iris", "staging", 1, reason="first")
    view = mlops.widgets.registry()
    assert view.model == "iris" and view.version == 3
    table = view.versions_table.value
    assert "accuracy" in table and "0.95" in table and "staging" in table
    assert [v for _, v in view.version_box.options] == [3, 2, 1]
    assert "fit2" in view.lineage.value
    view.version_box.value = 1  # a click on a version shows its lineage
    assert "fit0" in view.lineage.value and "iris/1" in view.lineage.value
    assert [t["x"] for t in view.figure["data"]] == [[0.9, 0.8, 0.95]]


def test_alias_move_needs_a_reason_and_passes_the_gates(iris_versions):
    view = mlops.widgets.registry("iris", require={"accuracy": ">= current"})
    view.select(1)
    view.alias_box.value = "production"
    view.move_button.click()
    assert "reason" in view.result.value
    assert mlops.get_model("iris").aliases == {}

    view.reason_box.value = "first release"
    view.move_button.click()
    assert mlops.get_model("iris").aliases == {"production": 1}
    assert "moved" in view.result.value and view.reason_box.value == ""

    view.select(2)  # accuracy 0.80 < 0.90 of the current production version
    view.reason_box.value = "try the smaller one"
    view.move_button.click()
    assert mlops.get_model("iris").aliases == {"production": 1}
    assert "gates failed" in view.result.value and "FAIL" in view.result.value
    refused = _events("model.promotion_refused")
    assert refused and refused[0].reason == "try the smaller one"

    view.select(3)
    view.reason_box.value = "better accuracy"
    view.move_button.click()
    assert mlops.get_model("iris").aliases == {"production": 3}
    history = mlops.alias_history("iris")
    assert list(history["reason"][:2]) == ["better accuracy", "first release"]
    assert "better accuracy" in view.history.value
    assert "@production" in view.version_box.options[0][0]


def test_force_overrides_failed_gates_with_a_reason(iris_versions):
    view = mlops.widgets.registry("iris", require={"accuracy": ">= 0.85"})
    view.select(2)
    done = view.move_alias("staging", reason="needed for a demo", force=True)
    assert done.forced and mlops.get_model("iris").aliases == {"staging": 2}
    assert "forced" in view.result.value


def test_a_registry_with_no_models(mlops_home):
    view = mlops.widgets.registry()
    assert view.model is None and view.versions == []
    assert "no models registered yet" in view.versions_table.value
    assert view.figure["data"] == []
    assert "no models registered yet" in view._repr_mimebundle_()["text/html"]
    assert isinstance(view.move_alias("production", reason="x"), type(None))
    with pytest.raises(InvalidArgument, match="name"):
        mlops.widgets.registry("nope")


def test_bad_gates_fail_when_the_view_is_made(iris_versions):
    with pytest.raises(InvalidArgument):
        mlops.widgets.registry("iris", require={"accuracy": "about 0.9"})


def test_metric_titles_sit_in_the_gap_above_their_subplot_not_on_the_next_one(mlops_home):
    from sklearn.dummy import DummyClassifier

    for i in range(3):
        with mlops.start_run(f"fit{i}", experiment="iris"):
            mlops.log_metrics({"accuracy": 0.9 - i / 20, "f1": 0.8, "roc_auc": 0.95})
            mlops.register_model("iris", DummyClassifier().fit([[0], [1]], [0, 1]))
    layout = mlops.widgets.registry("iris").figure["layout"]
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    domains = [layout[k]["domain"] for k in ("yaxis", "yaxis2", "yaxis3")]
    titles = {a["text"]: a for a in layout["annotations"]}
    assert set(titles) == {"accuracy", "f1", "roc_auc"}
    assert all("title" not in layout[k] for k in ("xaxis", "xaxis2", "xaxis3"))
    for (low, _), (_, next_top) in itertools.pairwise(domains):
        assert (low - next_top) * plot_px >= 50  # tick labels and the next title fit between
    for name, (_, top) in zip(["accuracy", "f1", "roc_auc"], domains):
        title = titles[name]
        assert title["yref"] == "paper" and title["yanchor"] == "bottom"
        assert title["y"] == pytest.approx(top)  # just above its own bars
