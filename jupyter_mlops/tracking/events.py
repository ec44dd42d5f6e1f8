"""Reading the append-only events table: who did what to which entity, when and why."""

from __future__ import annotations

from ..errors import InvalidArgument
from ..store import events as event_store
from ..store import get_store
from ..store.entities import EventInfo


def _whole(value: object, argument: str, expected: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(argument, expected, value)


def _text(value: object, argument: str) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidArgument(argument, "a non-empty string", value)


def list_events(
    kind: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    *,
    after_id: int | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[EventInfo]:
    """Events newest first (alias moves, runs ended, models registered, ...).

    ``kind`` may end in ``*`` (``"model.alias_*"``); ``entity_type`` is ``"run"``,
    ``"model"``, ``"snapshot"``, ``"pipeline"``, ... and ``entity_id`` its id or
    name. ``limit=None`` returns every match. With ``after_id`` the answer is
    the ``limit`` events that came right after that id (still newest first), so
    asking again with the newest id received never skips an event, however
    many arrived in between.
    """
    _text(kind, "kind")
    _text(entity_type, "entity_type")
    _text(entity_id, "entity_id")
    if after_id is not None:
        _whole(after_id, "after_id", "an event id (a whole number >= 0)")
    if limit is not None:
        _whole(limit, "limit", "a whole number >= 1, or None for every event")
        if limit < 1:
            raise InvalidArgument("limit", "a whole number >= 1, or None for every event", limit)
    _whole(offset, "offset", "a whole number >= 0")
    return event_store.read_events(
        get_store(),
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id,
        after_id=after_id,
        limit=limit,
        offset=offset,
    )
