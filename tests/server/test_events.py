"""``/mlops/api/events``: newest first, filters, paging and ``after_id`` for live updates."""

from __future__ import annotations

from jupyter_mlops.store import get_store
from jupyter_mlops.store.events import record_event


def add_events(n: int, kind: str = "alias.moved", entity: str = "model") -> None:
    with get_store().db.session(write=True) as s:
        for i in range(n):
            record_event(s, kind, entity, f"id-{i}", reason=f"because {i}", payload={"i": i})


async def test_events_newest_first_with_filters(api, mlops_home):
    add_events(3)
    add_events(2, kind="run.finished", entity="run")
    status, body = await api("events")
    assert status == 200
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[:2] == ["run.finished", "run.finished"]
    ids = [e["id"] for e in body["events"]]
    assert ids == sorted(ids, reverse=True)
    status, body = await api("events", params={"kind": "alias.*"})
    assert {e["kind"] for e in body["events"]} == {"alias.moved"}
    assert body["events"][0]["reason"] == "because 2"
    assert body["events"][0]["payload"] == {"i": 2}
    status, body = await api("events", params={"entity_type": "run", "entity_id": "id-1"})
    assert [e["entity_id"] for e in body["events"]] == ["id-1"]


async def test_events_paging_and_after_id(api, mlops_home):
    add_events(5)
    _, first = await api("events", params={"limit": 2})
    _, second = await api("events", params={"limit": 2, "offset": 2})
    assert len(first["events"]) == 2 and len(second["events"]) == 2
    assert first["events"][-1]["id"] > second["events"][0]["id"]
    newest = first["events"][0]["id"]
    add_events(1, kind="model.registered")
    _, body = await api("events", params={"after_id": newest})
    assert [e["kind"] for e in body["events"]] == ["model.registered"]


async def test_events_bad_limit_is_400(api, mlops_home):
    status, body = await api("events", params={"limit": "-3"})
    assert status == 400
    assert "limit" in body["message"]


async def test_polling_after_id_gets_every_event_when_more_than_a_page_arrived(api, mlops_home):
    add_events(3)
    _, first = await api("events", params={"limit": 100})  # the panel's first poll
    newest = max(e["id"] for e in first["events"])
    add_events(250, kind="run.finished", entity="run")  # more than a page between two polls
    seen: list[int] = []
    while True:  # each later poll asks for what came after the newest event it holds
        status, body = await api("events", params={"limit": 100, "after_id": newest})
        assert status == 200 and len(body["events"]) <= 100
        if not body["events"]:
            break
        ids = [e["id"] for e in body["events"]]
        assert min(ids) > newest
        seen += ids
        newest = max(ids)
    assert len(seen) == 250 == len(set(seen))
    assert sorted(seen) == list(range(min(seen), min(seen) + 250))
