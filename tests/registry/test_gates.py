"""Gated promotion: passing, failing (with a table, nothing moved) and forced (recorded)."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.registry.gates import parse_gate
from jupyter_mlops.store.events import list_events


def _events(store, kind):
    with store.db.session() as s:
        return list_events(s, entity_type="model", entity_id="cancer", kind=kind)


def test_first_promotion_passes_current_gates_and_absolute_ones(any_store, train):
    train("cancer", accuracy=0.91, f1=0.85)
    result = mlops.promote(
        "cancer", 1, require={"accuracy": ">= current", "f1": ">= 0.8"}, reason="v1"
    )
    assert result.from_version is None and not result.forced
    assert [(r.metric, r.passed) for r in result.results] == [("accuracy", True), ("f1", True)]
    assert mlops.get_model_version("cancer@production").version == 1
    (event,) = _events(any_store, "model.alias_moved")
    assert event.payload["via"] == "promote" and event.payload["forced"] is False
    assert event.reason == "v1"


def test_failing_gates_refuse_with_a_table_and_move_nothing(store, train):
    train("cancer", accuracy=0.91, f1=0.85)
    train("cancer", accuracy=0.88, f1=0.70)
    mlops.promote("cancer", 1, require={"accuracy": ">= current"})
    with pytest.raises(mlops.GateFailed) as info:
        mlops.promote(
            "cancer", 2, require={"accuracy": ">= current", "f1": ">= 0.8", "auc": "> 0.5"}
        )
    message = str(info.value)
    assert "3 gate(s) failed" in message
    assert "metric" in message and "threshold" in message and "FAIL" in message
    failed = {r.metric: r for r in info.value.results}
    assert failed["accuracy"].threshold == pytest.approx(0.91) and not failed["accuracy"].passed
    assert failed["auc"].detail == "candidate has no auc"
    assert mlops.get_model_version("cancer@production").version == 1
    (refused,) = _events(store, "model.promotion_refused")
    assert refused.payload["version"] == 2
    assert len(_events(store, "model.alias_moved")) == 1


def test_current_offset_and_better_candidate(store, train):
    train("cancer", accuracy=0.90, loss=0.30)
    train("cancer", accuracy=0.895, loss=0.25)
    mlops.promote("cancer", 1)
    result = mlops.promote(
        "cancer", 2, require={"accuracy": ">= current - 0.01", "loss": "< current"}
    )
    assert result.from_version == 1 and all(r.passed for r in result.results)
    assert result.results[0].threshold == pytest.approx(0.89)


def test_forced_promotion_needs_a_reason_and_is_recorded(store, train, monkeypatch):
    train("cancer", accuracy=0.91)
    train("cancer", accuracy=0.5)
    mlops.promote("cancer", 1)
    with pytest.raises(InvalidArgument, match="reason"):
        mlops.promote("cancer", 2, require={"accuracy": ">= current"}, force=True)
    monkeypatch.setenv("MLOPS_USER", "carol")
    result = mlops.promote(
        "cancer", 2, require={"accuracy": ">= current"}, force=True, reason="hotfix for a data bug"
    )
    assert result.forced and result.from_version == 1
    event = _events(store, "model.alias_moved")[0]
    assert event.user == "carol" and event.reason == "hotfix for a data bug"
    assert event.payload["forced"] is True and event.payload["overridden"] == ["accuracy"]
    assert (event.payload["from_version"], event.payload["to_version"]) == (1, 2)
    assert "(forced)" in result._repr_html_()


def test_candidate_without_a_run_fails_metric_gates(store, fitted):
    mlops.register_model("cancer", fitted)
    with pytest.raises(mlops.GateFailed, match="the candidate has no run"):
        mlops.promote("cancer", 1, require={"accuracy": ">= 0.5"})
    assert mlops.promote("cancer", 1).version == 1  # no gates: a plain move


def test_current_without_the_metric_fails(store, train):
    train("cancer", f1=0.9)
    train("cancer", accuracy=0.9)
    mlops.promote("cancer", 1)
    with pytest.raises(mlops.GateFailed, match="current version 1 has no accuracy"):
        mlops.promote("cancer", 2, require={"accuracy": ">= current"})


@pytest.mark.parametrize(
    "rule", ["> = 1", "current", ">= currentt", "~ 0.5", ">= 0.5 + 1", "", 0.8]
)
def test_bad_rules(rule):
    with pytest.raises(InvalidArgument, match="require"):
        parse_gate("accuracy", rule)


@pytest.mark.parametrize(
    ("rule", "text"),
    [(">=0.8", ">= 0.8"), ("> current", "> current"), ("<= current + 0.5", "<= current + 0.5")],
)
def test_rules_round_trip(rule, text):
    assert parse_gate("m", rule).rule == text
