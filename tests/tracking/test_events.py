"""``mlops.list_events``: newest first, filters in SQL, ``after_id`` paging that never skips."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument


def add_events(store, n: int, kind: str = "model.alias_moved", entity: str = "model") -> None:
    from jupyter_mlops.store.events import record_event

    with store.db.session(write=True) as s:
        for i in range(n):
            record_event(s, kind, entity, f"id-{i % 3}", reason=f"because {i}")


def test_newest_first_with_filters(any_store):
    add_events(any_store, 4)
    add_events(any_store, 2, kind="run.finished", entity="run")
    events = mlops.list_events()
    assert [e.kind for e in events] == ["run.finished"] * 2 + ["model.alias_moved"] * 4
    assert [e.id for e in events] == sorted((e.id for e in events), reverse=True)
    assert {e.kind for e in mlops.list_events(kind="model.*")} == {"model.alias_moved"}
    picked = mlops.list_events(entity_type="model", entity_id="id-0")
    assert [e.reason for e in picked] == ["because 3", "because 0"]
    assert len(mlops.list_events(limit=3)) == 3
    assert [e.id for e in mlops.list_events(limit=2, offset=2)] == [e.id for e in events[2:4]]


def test_after_id_pages_forward_through_every_event(any_store):
    add_events(any_store, 2)
    newest = mlops.list_events()[0].id
    add_events(any_store, 25, kind="run.finished", entity="run")
    seen = []
    while page := mlops.list_events(after_id=newest, limit=10):
        ids = [e.id for e in page]
        assert len(ids) <= 10 and ids == sorted(ids, reverse=True)
        assert page[-1].id > newest  # the events right after the id, none skipped
        seen += [e.id for e in page]
        newest = page[0].id
    assert sorted(seen) == list(range(min(seen), min(seen) + 25))


def test_after_id_combines_with_the_filters(any_store):
    add_events(any_store, 3)
    start = mlops.list_events()[0].id
    add_events(any_store, 5, kind="run.finished", entity="run")
    add_events(any_store, 5)
    found = mlops.list_events(kind="model.*", after_id=start, limit=3)
    assert [e.reason for e in found] == ["because 2", "because 1", "because 0"]
    assert all(e.id > start for e in found)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"after_id": -1}, "after_id"),
        ({"after_id": True}, "after_id"),
        ({"offset": -2}, "offset"),
        ({"kind": ""}, "kind"),
        ({"entity_type": 3}, "entity_type"),
    ],
)
def test_bad_arguments_name_themselves(store, kwargs, argument):
    with pytest.raises(InvalidArgument, match=argument):
        mlops.list_events(**kwargs)
