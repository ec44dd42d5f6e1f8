"""The append-only events table: who did what to which entity, when and why."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..store import get_store
from ..store.events import list_events
from .base import MAX_PAGE, MlopsHandler, route


def read_events(
    *,
    entity_type: str | None,
    entity_id: str | None,
    kind: str | None,
    limit: int,
    offset: int,
    after_id: int,
) -> list:
    """Newest first; ``after_id`` keeps only events newer than one the client already has."""
    with get_store().db.session() as s:
        events = list_events(
            s, entity_type=entity_type, entity_id=entity_id, kind=kind, limit=limit, offset=offset
        )
    return [e for e in events if e.id > after_id]


class EventsHandler(MlopsHandler):
    """``GET /mlops/api/events?entity_type=&entity_id=&kind=&limit=&offset=&after_id=``."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.int_arg("limit", 100, minimum=1, maximum=MAX_PAGE)
        offset = self.int_arg("offset", 0)
        events = await self.call(
            read_events,
            entity_type=self.str_arg("entity_type"),
            entity_id=self.str_arg("entity_id"),
            kind=self.str_arg("kind"),
            limit=limit,
            offset=offset,
            after_id=self.int_arg("after_id", 0),
        )
        self.reply({"events": events, "offset": offset, "limit": limit})


handlers = [(route("events"), EventsHandler)]
