"""Data snapshots (list, detail with profile) and drift between two snapshots."""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

import jupyter_mlops as mlops  # the core, loaded on first request: the server starts fast

from ..errors import InvalidArgument
from .base import MlopsHandler, route


def drift_between(reference: str, current: str, column: str | None) -> dict[str, Any]:
    report = mlops.drift(reference, current)
    summary = report.to_dict(distributions=False)
    if column is not None and column not in set(summary_columns(summary)):
        raise InvalidArgument("column", f"a column of {reference} or {current}", column)
    return {**summary, "figure": report.figure(column), "column": column}


def summary_columns(summary: dict[str, Any]) -> list[str]:
    return [row["column"] for row in summary["columns"]]


class SnapshotsHandler(MlopsHandler):
    """``GET /mlops/api/snapshots?name=&latest=1``: newest version first per name."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        latest = self.str_arg("latest", "0") not in ("0", "false", "no")
        infos = await self.call(mlops.list_snapshots, self.str_arg("name"), all_versions=not latest)
        self.reply({"snapshots": [i.to_dict() for i in infos]})


class SnapshotHandler(MlopsHandler):
    """``GET /mlops/api/snapshots/<ref>``: the snapshot, its column profiles and its runs."""

    @tornado.web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        from ..data.summary import snapshot_summary

        self.reply(await self.call(snapshot_summary, ref))


class DriftHandler(MlopsHandler):
    """``GET /mlops/api/drift?reference=train@1&current=train@2[&column=x]``: the core's report and figure."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        reference, current = self.str_arg("reference"), self.str_arg("current")
        if reference is None:
            raise InvalidArgument("reference", "a snapshot reference such as 'train@1'", None)
        if current is None:
            raise InvalidArgument("current", "a snapshot reference such as 'train@2'", None)
        self.reply(await self.call(drift_between, reference, current, self.str_arg("column")))


handlers = [
    (route("snapshots"), SnapshotsHandler),
    (route(r"snapshots/(?P<ref>[^/]+)"), SnapshotHandler),
    (route("drift"), DriftHandler),
]
