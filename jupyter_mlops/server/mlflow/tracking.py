"""MLflow's run and metric routes over ``jupyter_mlops.tracking.remote`` (and delete/restore_run)."""

from __future__ import annotations

import time
from typing import Any

from ... import tracking as mlops
from ...tracking import mlflow_inputs as inputs
from ...tracking import mlflow_query as query
from ...tracking import remote as core
from . import convert
from .base import Args, MlflowError, RawJson, json_endpoint

MAX_METRICS, MAX_PARAMS_TAGS, MAX_ENTITIES = 1000, 100, 1000
MAX_HISTORY_PAGE = 25_000


def _run_id(args: Args) -> str:
    run_id = args.str("run_id") or args.str("run_uuid")
    if not run_id:
        raise MlflowError("Missing value for required parameter 'run_id'.")
    return run_id


def create(args: Args) -> dict[str, Any]:
    tags = {t.get("key"): t.get("value") for t in args.list("tags") if isinstance(t, dict)}
    details = core.create_run(
        args.str("experiment_id", default="0"),
        name=args.str("run_name"),
        user=args.str("user_id"),
        start_time=convert.seconds(args.get("start_time"), "start_time"),
        tags=tags,
    )
    return {"run": convert.run(details)}


def get(args: Args) -> dict[str, Any]:
    return {"run": convert.run(core.get_run(_run_id(args)))}


def update(args: Args) -> dict[str, Any]:
    details = core.update_run(
        _run_id(args),
        status=args.str("status"),
        end_time=convert.seconds(args.get("end_time"), "end_time"),
        name=args.str("run_name"),
    )
    return {"run_info": convert.run_info(details["info"])}


def delete(args: Args) -> dict[str, Any]:
    mlops.delete_run(_run_id(args), reason="mlflow client")
    return {}


def restore(args: Args) -> dict[str, Any]:
    mlops.restore_run(_run_id(args), reason="mlflow client")
    return {}


def _limits(metrics: list, params: list, tags: list) -> None:
    for name, items, most in (
        ("metrics", metrics, MAX_METRICS),
        ("params", params, MAX_PARAMS_TAGS),
        ("tags", tags, MAX_PARAMS_TAGS),
    ):
        if len(items) > most:
            raise MlflowError(
                f"A batch logging request can contain at most {most} {name}. "
                f"Got {len(items)} {name}. Please split up {name} across multiple requests and try again."
            )
    total = len(metrics) + len(params) + len(tags)
    if total > MAX_ENTITIES:
        raise MlflowError(
            f"A batch logging request can contain at most {MAX_ENTITIES} metrics, params and tags "
            f"in total. Got {total}."
        )


def _points(metrics: list) -> list[tuple[str, float, float, int]]:
    now = time.time()
    out = []
    for m in metrics:
        if not isinstance(m, dict) or not m.get("key"):
            raise MlflowError(f"Invalid metric {m!r}: expected an object with a key")
        stamp = convert.seconds(m.get("timestamp"), "timestamp")
        out.append(
            (
                m["key"],
                convert.number(m.get("value"), "value"),
                now if stamp is None else stamp,
                convert.integer(m.get("step"), "step"),
            )
        )
    return out


def _pairs(items: list, what: str) -> dict[str, Any]:
    out = {}
    for item in items:
        if not isinstance(item, dict) or not item.get("key"):
            raise MlflowError(f"Invalid {what} {item!r}: expected an object with a key")
        out[item["key"]] = item.get("value", "")
    return out


def log_batch(args: Args) -> dict[str, Any]:
    metrics, params, tags = args.list("metrics"), args.list("params"), args.list("tags")
    _limits(metrics, params, tags)
    core.log_batch(_run_id(args), _points(metrics), _pairs(params, "param"), _pairs(tags, "tag"))
    return {}


def log_metric(args: Args) -> dict[str, Any]:
    point = {k: args.get(k) for k in ("key", "value", "timestamp", "step")}
    core.log_batch(_run_id(args), _points([point]))
    return {}


def log_parameter(args: Args) -> dict[str, Any]:
    core.log_batch(_run_id(args), params={args.str("key", required=True): args.get("value", "")})
    return {}


def set_tag(args: Args) -> dict[str, Any]:
    core.log_batch(_run_id(args), tags={args.str("key", required=True): args.get("value", "")})
    return {}


def delete_tag(args: Args) -> dict[str, Any]:
    core.delete_tag(_run_id(args), args.str("key", required=True))
    return {}


def log_inputs(args: Args) -> dict[str, Any]:
    """Datasets: linked to our snapshots where they match, kept in the run's metadata."""
    datasets = args.list("datasets")
    if not all(isinstance(d, dict) for d in datasets):
        raise MlflowError("Invalid value for parameter 'datasets': expected a list of objects")
    inputs.log_inputs(_run_id(args), datasets)
    return {}


def search(args: Args) -> RawJson:
    limit = convert.integer(args.get("max_results"), "max_results", 1000)
    offset = convert.page_offset(args.str("page_token"))
    order_by = [str(o) for o in args.list("order_by")]
    found = query.search_summaries(
        [str(e) for e in args.list("experiment_ids")],
        args.str("filter"),
        order_by,
        view=args.str("run_view_type", default="ACTIVE_ONLY"),
        limit=limit + 1,
        offset=offset,
    )
    token = convert.next_token(offset, limit, limit) if len(found) > limit else None
    return convert.runs_page([convert.summary_json(r) for r in found[:limit]], token)


def get_history(args: Args) -> dict[str, Any]:
    limit = convert.integer(args.get("max_results"), "max_results", MAX_HISTORY_PAGE)
    offset = convert.page_offset(args.str("page_token"))
    points = core.metric_history(
        _run_id(args), args.str("metric_key", required=True), limit + 1, offset
    )
    reply: dict[str, Any] = {"metrics": [convert.metric(p) for p in points[:limit]]}
    if len(points) > limit:
        reply["next_page_token"] = convert.next_token(offset, limit, limit)
    return reply


_R = "/api/2.0/mlflow/runs/"
ROUTES: list[tuple[str, type]] = [
    (_R + "create", json_endpoint("POST", create)),
    (_R + "get", json_endpoint("GET", get)),
    (_R + "update", json_endpoint("POST", update)),
    (_R + "delete", json_endpoint("POST", delete)),
    (_R + "restore", json_endpoint("POST", restore)),
    (_R + "search", json_endpoint("POST", search)),
    (_R + "log-batch", json_endpoint("POST", log_batch)),
    (_R + "log-metric", json_endpoint("POST", log_metric)),
    (_R + "log-parameter", json_endpoint("POST", log_parameter)),
    (_R + "set-tag", json_endpoint("POST", set_tag)),
    (_R + "delete-tag", json_endpoint("POST", delete_tag)),
    (_R + "log-inputs", json_endpoint("POST", log_inputs)),
    ("/api/2.0/mlflow/metrics/get-history", json_endpoint("GET", get_history)),
]
