"""MLflow's experiment routes over ``jupyter_mlops.tracking.experiments``."""

from __future__ import annotations

from typing import Any

from ...errors import Conflict
from ...tracking import experiments as core
from . import convert
from .base import Args, MlflowError, json_endpoint

MAX_EXPERIMENTS = 50_000


def _already_exists(exc: Conflict) -> MlflowError:
    return MlflowError(str(exc), "RESOURCE_ALREADY_EXISTS")


def create(args: Args) -> dict[str, Any]:
    tags = {t.get("key"): t.get("value") for t in args.list("tags") if isinstance(t, dict)}
    try:
        detail = core.create_experiment(args.str("name", required=True), tags)
    except Conflict as exc:
        raise _already_exists(exc) from exc
    return {"experiment_id": str(detail.experiment_id)}


def get(args: Args) -> dict[str, Any]:
    detail = core.get_experiment(args.str("experiment_id", required=True))
    return {"experiment": convert.experiment(detail)}


def get_by_name(args: Args) -> dict[str, Any]:
    detail = core.get_experiment(name=args.str("experiment_name", required=True))
    return {"experiment": convert.experiment(detail)}


def search(args: Args) -> dict[str, Any]:
    limit = convert.integer(args.get("max_results"), "max_results", 1000)
    if not 0 < limit <= MAX_EXPERIMENTS:
        raise MlflowError(f"Invalid value {limit} for parameter 'max_results'")
    offset = convert.page_offset(args.str("page_token"))
    order = [str(o).lower() for o in args.list("order_by")]
    found = core.search_experiments(
        args.str("filter"),
        view=args.str("view_type", default="ACTIVE_ONLY"),
        limit=limit + 1,
        offset=offset,
        newest_first=any("desc" in o for o in order),
    )
    reply: dict[str, Any] = {"experiments": [convert.experiment(d) for d in found[:limit]]}
    if len(found) > limit:
        reply["next_page_token"] = convert.next_token(offset, limit, limit)
    return reply


def update(args: Args) -> dict[str, Any]:
    try:
        core.rename_experiment(
            args.str("experiment_id", required=True), args.str("new_name", required=True)
        )
    except Conflict as exc:
        raise _already_exists(exc) from exc
    return {}


def delete(args: Args) -> dict[str, Any]:
    core.delete_experiment(args.str("experiment_id", required=True))
    return {}


def restore(args: Args) -> dict[str, Any]:
    core.restore_experiment(args.str("experiment_id", required=True))
    return {}


def set_experiment_tag(args: Args) -> dict[str, Any]:
    key = args.str("key", required=True)
    core.set_experiment_tags(args.str("experiment_id", required=True), {key: args.get("value", "")})
    return {}


_P = "/api/2.0/mlflow/experiments/"
ROUTES: list[tuple[str, type]] = [
    (_P + "create", json_endpoint("POST", create)),
    (_P + "get", json_endpoint("GET", get)),
    (_P + "get-by-name", json_endpoint("GET", get_by_name)),
    (_P + "search", json_endpoint("POST", search)),
    (_P + "update", json_endpoint("POST", update)),
    (_P + "delete", json_endpoint("POST", delete)),
    (_P + "restore", json_endpoint("POST", restore)),
    (_P + "set-experiment-tag", json_endpoint("POST", set_experiment_tag)),
]
