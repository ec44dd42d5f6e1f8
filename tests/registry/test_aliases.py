"""One version per alias; every move is an event with user, time, from, to and reason."""

from __future__ import annotations

import time

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.store.events import list_events


def test_alias_moves_are_event_rows(any_store, train, constant, monkeypatch):
    train("cancer", accuracy=0.9)
    train("cancer", constant, accuracy=0.5)
    before = time.time()
    monkeypatch.setenv("MLOPS_USER", "alice")
    first = mlops.set_alias("cancer", "production", 1, reason="first release")
    monkeypatch.setenv("MLOPS_USER", "bob")
    second = mlops.set_alias("cancer", "production", 2, reason="try the new one")
    assert (first.from_version, first.to_version) == (None, 1)
    assert (second.from_version, second.to_version) == (1, 2)
    assert mlops.get_model_version("cancer@production").version == 2
    deleted = mlops.delete_alias("cancer", "production", reason="rollback plan")
    assert deleted.from_version == 2 and deleted.to_version is None
    with pytest.raises(NotFound, match="no alias 'production'"):
        mlops.load_model("cancer@production")

    with any_store.db.session() as s:
        events = list_events(s, entity_type="model", entity_id="cancer", kind="model.alias_*")
    assert [
        (e.kind, e.user, e.payload["from_version"], e.payload["to_version"], e.reason)
        for e in events
    ] == [
        ("model.alias_deleted", "bob", 2, None, "rollback plan"),
        ("model.alias_moved", "bob", 1, 2, "try the new one"),
        ("model.alias_moved", "alice", None, 1, "first release"),
    ]
    assert all(e.timestamp >= before for e in events)
    history = mlops.alias_history("cancer", "production")
    assert list(history["to_version"].astype("float").fillna(0)) == [0, 2, 1]
    assert list(history["user"]) == ["bob", "bob", "alice"]


def test_one_version_per_alias_and_several_aliases_per_version(store, train):
    train("m", accuracy=0.1)
    train("m", accuracy=0.2)
    mlops.set_alias("m", "staging", 1)
    mlops.set_alias("m", "production", 1)
    mlops.set_alias("m", "staging", 2)
    by_version = {v.version: v.aliases for v in mlops.list_versions("m")}
    assert by_version == {1: ("production",), 2: ("staging",)}
    assert mlops.get_model("m").aliases == {"production": 1, "staging": 2}


@pytest.mark.parametrize("alias", ["with space", "a/b", "latest", "7", "", "x" * 65])
def test_bad_alias_names_are_refused(store, train, alias):
    train("m", accuracy=0.1)
    with pytest.raises(InvalidArgument, match="^alias: expected"):
        mlops.set_alias("m", alias, 1)
    assert mlops.get_model("m").aliases == {}


def test_alias_to_unknown_version_or_model(store, train):
    train("m", accuracy=0.1)
    with pytest.raises(NotFound, match="no version 5"):
        mlops.set_alias("m", "production", 5)
    with pytest.raises(NotFound, match="model 'zzz' does not exist"):
        mlops.set_alias("zzz", "production", 1)
    with pytest.raises(InvalidArgument, match="version"):
        mlops.set_alias("m", "production", 0)
    with pytest.raises(NotFound, match="no alias 'staging'"):
        mlops.delete_alias("m", "staging")
    with store.db.session() as s:
        assert list_events(s, kind="model.alias_*") == []


def test_alias_history_carries_the_gates_of_each_promotion(store, train):
    train("gated", accuracy=0.91)
    mlops.promote("gated", 1, require={"accuracy": ">= 0.9"}, reason="v1")
    mlops.set_alias("gated", "staging", 1, reason="by hand")
    history = mlops.alias_history("gated")
    by_alias = dict(zip(history["alias"], history["gates"], strict=True))
    assert [(g["metric"], g["passed"]) for g in by_alias["production"]] == [("accuracy", True)]
    assert by_alias["staging"] is None
