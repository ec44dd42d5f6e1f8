"""The append-only events table: who did what to which entity, when and why."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .entities import EventInfo
from .identity import current_user
from .schema import Event

if TYPE_CHECKING:
    from . import Store


def record_event(
    session: Session,
    kind: str,
    entity_type: str,
    entity_id: str,
    *,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    user: str | None = None,
    timestamp: float | None = None,
) -> None:
    """Append one event inside the caller's transaction (so it lands with the change or not at all)."""
    session.execute(
        insert(Event).values(
            timestamp=time.time() if timestamp is None else timestamp,
            kind=kind,
            entity_type=entity_type,
            entity_id=str(entity_id),
            user=user or current_user(),
            reason=reason,
            payload=payload or {},
        )
    )


def list_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    after_id: int | None = None,
) -> list[EventInfo]:
    """Events newest first; ``kind`` may end in ``*`` (``model.alias_*``).

    With ``after_id`` the page is the ``limit`` events right after that id
    (the oldest ones first, then listed newest first), so a client that polls
    with the newest id it holds gets every event, however many arrived.
    """
    oldest_first = after_id is not None
    stmt = select(Event).order_by(Event.id.asc() if oldest_first else Event.id.desc())
    if after_id is not None:
        stmt = stmt.where(Event.id > after_id)
    if entity_type is not None:
        stmt = stmt.where(Event.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(Event.entity_id == str(entity_id))
    if kind is not None:
        stmt = stmt.where(Event.kind.like(kind.replace("*", "%")))
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    events = [_event_info(e) for e in session.scalars(stmt)]
    return events[::-1] if oldest_first else events


def read_events(store: Store, **filters: Any) -> list[EventInfo]:
    """``list_events`` in its own read transaction (the filters are its keyword arguments)."""
    with store.db.session() as s:
        return list_events(s, **filters)


def _event_info(e: Event) -> EventInfo:
    return EventInfo(
        id=e.id,
        timestamp=e.timestamp,
        kind=e.kind,
        entity_type=e.entity_type,
        entity_id=e.entity_id,
        user=e.user,
        reason=e.reason,
        payload=dict(e.payload or {}),
    )
