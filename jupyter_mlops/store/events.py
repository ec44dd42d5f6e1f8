"""The append-only events table: who did what to which entity, when and why."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .entities import EventInfo
from .identity import current_user
from .schema import Event


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
) -> list[EventInfo]:
    stmt = select(Event).order_by(Event.id.desc())
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
    return [
        EventInfo(
            id=e.id,
            timestamp=e.timestamp,
            kind=e.kind,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            user=e.user,
            reason=e.reason,
            payload=dict(e.payload or {}),
        )
        for e in session.scalars(stmt)
    ]
