"""Runs and experiments: list with paging/filter/sort, detail, metric series, artifacts."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from .. import tracking
from ..errors import InvalidArgument
from ..tracking import figures
from .base import MAX_PAGE, MlopsHandler, route

DEFAULT_PAGE = 50


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def run_rows(frame) -> list[dict[str, Any]]:
    """``search_runs`` rows as nested objects: attributes plus params/metrics/tags maps.

    The frame has a column per key seen on any run of the page, so a run lacking a
    key shows NaN there; such holes are left out of the maps.
    """
    rows = []
    for rec in frame.to_dict(orient="records"):
        row: dict[str, Any] = {"params": {}, "metrics": {}, "tags": {}}
        for col, value in rec.items():
            group, dot, key = col.partition(".")
            if dot and group in row:
                if _present(value):
                    row[group][key] = value
            else:
                row[col] = value
        rows.append(row)
    return rows


class ExperimentsHandler(MlopsHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"experiments": await self.call(tracking.list_experiments)})


class RunsHandler(MlopsHandler):
    """``GET /mlops/api/runs?experiment=&filter=&order_by=&limit=&offset=&children=``."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.int_arg("limit", DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
        offset = self.int_arg("offset", 0)
        experiments = self.get_query_arguments("experiment") or None
        experiments = [e for e in experiments or [] if e.strip()] or None
        order_by = self.get_query_arguments("order_by") or None
        filter_ = self.str_arg("filter")
        children = self.str_arg("children", "false")
        if children not in ("true", "false"):
            raise InvalidArgument("children", "true or false", children)
        scope = {"children": children == "true"}
        # The page and the count run side by side (SQLite in WAL mode and PostgreSQL
        # both serve concurrent readers), so the answer costs the slower of the two.
        frame, total = await asyncio.gather(
            self.call(
                tracking.search_runs,
                experiment=experiments,
                filter=filter_,
                order_by=order_by,
                limit=limit,
                offset=offset,
                **scope,
            ),
            self.call(tracking.count_runs, experiment=experiments, filter=filter_, **scope),
        )
        has_more = offset + len(frame) < total
        self.reply(
            {
                "runs": run_rows(frame),
                "offset": offset,
                "limit": limit,
                "total": total,
                "has_more": has_more,
                "next_offset": offset + limit if has_more else None,
            }
        )


class RunHandler(MlopsHandler):
    """``GET /mlops/api/runs/<id>``: info, params, latest metrics, tags, artifacts."""

    @tornado.web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        data = await self.call(tracking.get_run, run_id)
        self.reply(
            {
                **{"info": data.info},
                "params": data.params,
                "metrics": {k: (v if v == v else None) for k, v in data.metrics.items()},
                "tags": data.tags,
                "artifacts": data.artifacts,
            }
        )


class RunTagsHandler(MlopsHandler):
    """``POST /mlops/api/runs/<id>/tags`` with ``{"tags": {"key": "value"}}``."""

    @tornado.web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        body = self.json_body()
        self.reply({"tags": await self.call(tracking.set_run_tags, run_id, body.get("tags"))})


def metric_series(run_id: str, key: str, x: str = "step", smoothing: float = 0.0) -> dict[str, Any]:
    """Every point of one metric, and the core's plotly figure of it (``x``: step or timestamp)."""
    frame = tracking.get_metric_history(run_id, key)
    return {
        "run_id": run_id,
        "key": key,
        "steps": frame["step"].tolist(),
        "timestamps": [t.timestamp() for t in frame["timestamp"]],
        "values": [v if math.isfinite(v) else None for v in frame["value"].tolist()],
        "figure": figures.smoothed(figures.metric_curves([run_id], [key], x=x), smoothing),
    }


class MetricHandler(MlopsHandler):
    """``GET /mlops/api/runs/<id>/metrics/<key>[?x=timestamp][&smoothing=0.6]``."""

    @tornado.web.authenticated
    @authorized
    async def get(self, run_id: str, key: str) -> None:
        x = self.str_arg("x", "step")
        smoothing = self.str_arg("smoothing", "0")
        try:
            weight = float(smoothing)
        except ValueError:
            raise InvalidArgument("smoothing", "a number from 0 up to 1", smoothing) from None
        self.reply(await self.call(metric_series, run_id, key, x, weight))


def compare(run_ids: list[str], keys: list[str] | None) -> dict[str, Any]:
    if len(run_ids) < 1:
        raise InvalidArgument("run_id", "one or more run ids (repeat the parameter)", run_ids)
    return {
        "runs": run_ids,
        "curves": figures.metric_curves(run_ids, keys),
        "latest": figures.run_comparison(run_ids, keys),
    }


class CompareHandler(MlopsHandler):
    """``GET /mlops/api/compare?run_id=a&run_id=b[&key=acc]``: the core's comparison figures."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        run_ids = [r for r in self.get_query_arguments("run_id") if r.strip()]
        keys = [k for k in self.get_query_arguments("key") if k.strip()] or None
        self.reply(await self.call(compare, run_ids, keys))


class ArtifactHandler(MlopsHandler):
    """``GET /mlops/api/runs/<id>/artifacts/<name>``: the artifact's bytes, as a download."""

    @tornado.web.authenticated
    @authorized
    async def get(self, run_id: str, name: str) -> None:
        infos = await self.call(tracking.list_artifacts, run_id)
        info = next((a for a in infos if a.name == name), None)
        content = await self.call(tracking.load_artifact, run_id, name)
        media_type = (info and info.media_type) or "application/octet-stream"
        filename = name.rsplit("/", 1)[-1].replace('"', "")
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        # An HTML or SVG artifact opened from here must not run script in the server's origin.
        self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(content, set_content_type=media_type)  # APIHandler.finish forces JSON otherwise


handlers = [
    (route("experiments"), ExperimentsHandler),
    (route("runs"), RunsHandler),
    (route("compare"), CompareHandler),
    (route(r"runs/(?P<run_id>[^/]+)"), RunHandler),
    (route(r"runs/(?P<run_id>[^/]+)/tags"), RunTagsHandler),
    (route(r"runs/(?P<run_id>[^/]+)/metrics/(?P<key>.+)"), MetricHandler),
    (route(r"runs/(?P<run_id>[^/]+)/artifacts/(?P<name>.+)"), ArtifactHandler),
]
