"""What the Run and Compare pages in JupyterLab's main area read beyond the runs routes.

A run's executed cells (with the hidden-state verdict), its git/environment/links,
artifact previews, "open the notebook at this state", and the comparison figures
and cell diff of several runs. Every answer is computed by the core.
"""

from __future__ import annotations

import math
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..errors import InvalidArgument
from ..tracking import cell_diff, figures, get_run, preview, run_page
from ..tracking.compare import compare_runs
from .base import MlopsHandler, route


class RunCellsHandler(MlopsHandler):
    """``GET /mlops/api/runs/<id>/cells``: executed cells and ``cell_history``'s verdict."""

    @tornado.web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(run_page.run_cells_page, run_id))


class RunContextHandler(MlopsHandler):
    """``GET /mlops/api/runs/<id>/context``: git commit and diff, environment, inputs, models."""

    @tornado.web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(run_page.run_context_page, run_id))


class PreviewHandler(MlopsHandler):
    """``GET /mlops/api/runs/<id>/preview/<name>[?rows=20]``: an artifact previewed by type."""

    @tornado.web.authenticated
    @authorized
    async def get(self, run_id: str, name: str) -> None:
        rows = self.int_arg("rows", preview.HEAD_ROWS, minimum=1, maximum=1000)
        self.reply(await self.call(preview.artifact_preview, run_id, name, rows))


class RestoreNotebookHandler(MlopsHandler):
    """``POST /mlops/api/runs/<id>/notebook``: the run's cells as a new notebook; its path."""

    @tornado.web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        path = await self.call(preview.notebook_at_state, run_id, self.root_dir)
        self.reply({"path": path}, status=201)


def _differences(run_ids: list[str]) -> dict[str, Any]:
    if len(run_ids) < 2:
        return {"columns": [], "rows": []}
    frame = compare_runs(run_ids, only_differences=True)
    labels = [c for c in frame.columns if c not in ("kind", "key")]

    def clean(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    rows = [
        {"kind": rec["kind"], "key": rec["key"], "values": [clean(rec[c]) for c in labels]}
        for rec in frame.to_dict(orient="records")
    ]
    return {"columns": labels, "rows": rows}


def compare_details(run_ids: list[str], metric: str | None, x: str | None, y: str | None) -> dict:
    """Parallel coordinates to ``metric``, a scatter of ``y`` against ``x``, differing params/metrics."""
    if not run_ids:
        raise InvalidArgument("run_id", "one or more run ids (repeat the parameter)", run_ids)
    runs = [get_run(r) for r in run_ids]
    params = sorted({k for r in runs for k in r.params})
    metrics = sorted({k for r in runs for k in r.metrics})
    metric = metric or (metrics[0] if metrics else None)
    x = x or (f"params.{params[0]}" if params else None)
    y = y or (f"metrics.{metric}" if metric else None)
    return {
        "runs": [r.info.run_id for r in runs],
        "labels": [figures.run_label(r.info.name, r.info.run_id) for r in runs],
        "params": params,
        "metrics": metrics,
        "metric": metric,
        "x": x,
        "y": y,
        "parallel": figures.parallel_coordinates(run_ids, metric)
        if metric
        else figures.empty_figure("the runs logged no metric", title="parallel coordinates"),
        "scatter": figures.runs_scatter(run_ids, x, y)
        if x and y
        else figures.empty_figure("pick two fields", title="scatter"),
        "differences": _differences(run_ids),
    }


class CompareDetailsHandler(MlopsHandler):
    """``GET /mlops/api/compare/details?run_id=a&run_id=b[&metric=][&x=][&y=]``."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        run_ids = [r for r in self.get_query_arguments("run_id") if r.strip()]
        metric, x, y = (self.str_arg(n) or None for n in ("metric", "x", "y"))
        self.reply(await self.call(compare_details, run_ids, metric, x, y))


class CompareCellsHandler(MlopsHandler):
    """``GET /mlops/api/compare/cells?base=a&other=b``: the code two runs executed, diffed."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        base, other = self.str_arg("base"), self.str_arg("other")
        for name, value in (("base", base), ("other", other)):
            if not value:
                raise InvalidArgument(name, "a run id", value)
        self.reply(await self.call(cell_diff.diff_run_cells, base, other))


handlers = [
    (route(r"runs/(?P<run_id>[^/]+)/cells"), RunCellsHandler),
    (route(r"runs/(?P<run_id>[^/]+)/context"), RunContextHandler),
    (route(r"runs/(?P<run_id>[^/]+)/preview/(?P<name>.+)"), PreviewHandler),
    (route(r"runs/(?P<run_id>[^/]+)/notebook"), RestoreNotebookHandler),
    (route("compare/details"), CompareDetailsHandler),
    (route("compare/cells"), CompareCellsHandler),
]
