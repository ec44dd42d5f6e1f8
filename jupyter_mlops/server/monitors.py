"""Monitors over REST: list, show (with history and figure), run; a model's live windows."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .base import MlopsHandler, route


class MonitorsHandler(MlopsHandler):
    """``GET /mlops/api/monitors?model=``: every monitor (or those of one model)."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..monitor import list_monitors

        found = await self.call(list_monitors, self.str_arg("model"))
        self.reply({"monitors": [m.to_dict() for m in found]})


class MonitorHandler(MlopsHandler):
    """``GET /mlops/api/monitors/<name>?limit=``: the monitor, its newest checks and the figure."""

    @tornado.web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        from ..monitor.report import monitor_page

        limit = self.int_arg("limit", 100, minimum=1, maximum=10_000)
        self.reply(await self.call(monitor_page, name, limit=limit))


class MonitorHistoryHandler(MlopsHandler):
    """``GET /mlops/api/monitors/<name>/history?limit=``: checks and figure, without the terms."""

    @tornado.web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        from ..monitor.report import monitor_page

        limit = self.int_arg("limit", 100, minimum=1, maximum=10_000)
        page = await self.call(monitor_page, name, limit=limit)
        self.reply({"checks": page["checks"], "figure": page["figure"]})


class MonitorRunHandler(MlopsHandler):
    """``POST /mlops/api/monitors/<name>/run``: check the windows closed since the last check."""

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from ..monitor import run_monitor

        result = await self.call(run_monitor, name)
        self.reply(result.to_dict())


class ModelMonitoringHandler(MlopsHandler):
    """``GET /mlops/api/monitoring/<model>?windows=10``: newest windows, monitors, last alert."""

    @tornado.web.authenticated
    @authorized
    async def get(self, model: str) -> None:
        from ..monitor.report import model_monitoring

        n = self.int_arg("windows", 10, minimum=0, maximum=1000)
        self.reply(await self.call(model_monitoring, model, windows=n))


handlers = [
    (route("monitors"), MonitorsHandler),
    (route(r"monitors/(?P<name>[^/]+)"), MonitorHandler),
    (route(r"monitors/(?P<name>[^/]+)/history"), MonitorHistoryHandler),
    (route(r"monitors/(?P<name>[^/]+)/run"), MonitorRunHandler),
    (route(r"monitoring/(?P<model>[^/]+)"), ModelMonitoringHandler),
]
