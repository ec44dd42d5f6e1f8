"""Data snapshots (list, detail with profile) and drift between two snapshots."""

from __future__ import annotations

import math
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

import jupyter_mlops as mlops  # the core, loaded on first request: the server starts fast

from ..errors import InvalidArgument
from .base import MlopsHandler, route

TOP_CATEGORIES = 20
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _finite(value: Any) -> Any:
    return value if not isinstance(value, float) or math.isfinite(value) else None


def column_summary(profile: Any) -> dict[str, Any]:
    """What the panel shows of one column profile (the sketches stay on the server)."""
    summary: dict[str, Any] = {
        "kind": profile.kind,
        "count": profile.count,
        "missing": profile.missing,
    }
    if profile.kind == "categorical":
        summary.update(
            distinct=profile.distinct,
            exact=profile.exact,
            top=[[v, c] for v, c in profile.counts[:TOP_CATEGORIES]],
            other=profile.other + sum(c for _, c in profile.counts[TOP_CATEGORIES:]),
        )
        return summary
    quantiles = profile.quantiles(list(QUANTILES)) if profile.n else []
    summary.update(
        mean=_finite(profile.mean),
        std=_finite(profile.std),
        min=_finite(profile.min),
        max=_finite(profile.max),
        quantiles={f"p{round(q * 100)}": _finite(float(v)) for q, v in zip(QUANTILES, quantiles)},
        edges=list(profile.edges),
        hist=list(profile.hist),  # underflow, one count per bin, overflow
    )
    return summary


def snapshot_detail(ref: str) -> dict[str, Any]:
    info = mlops.get_snapshot(ref)
    profile = mlops.get_profile(info)
    return {
        "snapshot": info.to_dict(),
        "profile": {
            "n_rows": profile.n_rows,
            "types": dict(profile.types),
            "columns": {name: column_summary(p) for name, p in profile.columns.items()},
        },
        "runs": mlops.runs_of_snapshot(info),
    }


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
        self.reply(await self.call(snapshot_detail, ref))


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
