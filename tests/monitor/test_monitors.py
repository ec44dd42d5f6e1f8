"""Declared monitors: stored, listed, updated (as an event), removed; bad input refused."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.store.events import read_events

from .monitor_helpers import reference


@pytest.fixture
def declared(classifier):
    reference()
    return mlops.monitor(
        "churn", model="clf@production", reference="train@latest",
        drift={"share": 0.3}, performance={"accuracy": ">= 0.9"}, on_alert="retrain:clf",
    )  # fmt: skip


def test_a_monitor_is_stored_and_listed(declared):
    assert declared.model == "clf@production"
    assert declared.drift == {"share": 0.3}
    assert declared.performance == ("accuracy >= 0.9",)
    assert declared.on_alert == "retrain:clf"
    assert [m.name for m in mlops.list_monitors()] == ["churn"]
    assert [m.name for m in mlops.list_monitors("clf")] == ["churn"]
    assert mlops.list_monitors("other") == []
    assert mlops.get_monitor("churn").reference == "train@latest"


def test_declaring_again_updates_and_records_an_event(declared):
    mlops.monitor("churn", model="clf@production", reference="train@latest",
                  drift={"share": 0.5}, performance="f1 >= 0.8")  # fmt: skip
    got = mlops.get_monitor("churn")
    assert got.drift == {"share": 0.5}
    assert got.performance == ("f1 >= 0.8",)
    assert got.on_alert is None
    assert len(mlops.list_monitors()) == 1
    kinds = [e.kind for e in read_events(mlops.get_store(), entity_type="monitor")]
    assert sorted(kinds) == ["monitor.created", "monitor.updated"]


def test_removed(declared):
    mlops.delete_monitor("churn")
    assert mlops.list_monitors() == []
    with pytest.raises(NotFound, match="churn"):
        mlops.get_monitor("churn")
    with pytest.raises(NotFound):
        mlops.delete_monitor("churn")


def test_unknown_model_and_snapshot_are_refused_by_name(classifier):
    reference()
    with pytest.raises(NotFound, match="nope"):
        mlops.monitor("m", model="nope@production", reference="train@latest")
    with pytest.raises(NotFound, match="staging"):
        mlops.monitor("m", model="clf@staging", reference="train@latest")
    with pytest.raises(NotFound, match="holdout"):
        mlops.monitor("m", model="clf@production", reference="holdout@latest")
    assert mlops.list_monitors() == []


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"drift": {"share": 1.5}}, "drift['share']"),
        ({"drift": {"shares": 0.3}}, "drift"),
        ({"drift": {"share": 0.3, "thresholds": {"kss": 0.1}}}, "thresholds"),
        ({"performance": "accuracy >= current"}, "performance"),
        ({"performance": "acuracy >= 0.9"}, "performance"),
        ({"performance": {"accuracy": "about 0.9"}}, "performance"),
        ({"on_alert": "email:me"}, "on_alert"),
        ({"on_alert": 3}, "on_alert"),
    ],
)
def test_bad_rules_are_refused_naming_the_argument(classifier, kwargs, argument):
    reference()
    with pytest.raises(InvalidArgument) as err:
        mlops.monitor("m", model="clf@production", reference="train@latest", **kwargs)
    assert argument in str(err.value)
    assert mlops.list_monitors() == []


def test_bad_name(classifier):
    with pytest.raises(InvalidArgument, match="name"):
        mlops.monitor("no spaces", model="clf@production")


@pytest.mark.parametrize(
    "thresholds",
    [{"wasserstein": "x"}, {"psi": None}, {"ks": float("nan")}, [0.1], "0.1"],
    ids=["text", "none", "nan", "list", "string"],
)
def test_drift_thresholds_that_are_not_numbers_are_refused_by_name(classifier, thresholds):
    reference()
    with pytest.raises(InvalidArgument) as err:
        mlops.monitor("m", model="clf@production", reference="train@latest",
                      drift={"share": 0.3, "thresholds": thresholds})  # fmt: skip
    assert err.value.argument == "drift['thresholds']"
    assert mlops.list_monitors() == []


@pytest.mark.parametrize(
    ("model", "gate", "expected"),
    [("clf@production", "rmse < 3", "accuracy, f1"), ("reg@production", "accuracy >= 0.9", "mae")],
)
def test_a_metric_the_models_kind_never_computes_is_refused(
    classifier, regressor, model, gate, expected
):
    reference()
    with pytest.raises(InvalidArgument) as err:
        mlops.monitor("m", model=model, reference="train@latest", performance=gate)
    assert err.value.argument == "performance" and expected in str(err.value)
    assert mlops.list_monitors() == []


def test_the_watched_model_is_never_a_default(classifier):
    from sklearn.dummy import DummyClassifier

    reference()
    mlops.register_model("churn", DummyClassifier().fit([[0.0]], [0]))
    mlops.set_alias("churn", "production", 1)
    with pytest.raises(InvalidArgument) as err:
        mlops.monitor("fraud", reference="train@latest")  # not churn@production
    assert err.value.argument == "model"
    assert mlops.list_monitors() == []
    mlops.monitor("fraud", model="clf@production")
    edited = mlops.monitor("fraud", drift={"share": 0.5})  # an edit keeps the model
    assert (edited.model, edited.drift) == ("clf@production", {"share": 0.5})
