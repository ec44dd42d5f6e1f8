"""The append-only events table: who did what to which entity, when and why."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .. import tracking
from .base import MAX_PAGE, MlopsHandler, route


class EventsHandler(MlopsHandler):
    """``GET /mlops/api/events?entity_type=&entity_id=&kind=&limit=&offset=&after_id=``.

    Newest first; with ``after_id`` the page is the events right after that id,
    so the panel, polling with the newest id it holds, never skips one.
    """

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.int_arg("limit", 100, minimum=1, maximum=MAX_PAGE)
        offset = self.int_arg("offset", 0)
        after_id = None if self.str_arg("after_id") is None else self.int_arg("after_id", 0)
        events = await self.call(
            tracking.list_events,
            kind=self.str_arg("kind"),
            entity_type=self.str_arg("entity_type"),
            entity_id=self.str_arg("entity_id"),
            after_id=after_id,
            limit=limit,
            offset=offset,
        )
        self.reply({"events": events, "offset": offset, "limit": limit})


handlers = [(route("events"), EventsHandler)]
