"""MLflow's model registry API (``/api/2.0/mlflow/registered-models/...``, ``model-versions/...``).

Registered models and versions are ours: a version created here is a version of
``mlops.list_versions``; aliases move through the core's alias move (the same
``model.alias_moved`` event; a refused move is an MLflow error whose message
holds the gate table). A version created from an MLflow model folder is
recorded in format ``mlflow`` (:mod:`jupyter_mlops.registry.mlflow_format`).
Tags and stages are not kept: a non-empty tag list or a stage transition is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jupyter_mlops as mlops

from ...errors import Conflict
from ...registry import mlflow_format as fmt
from ...registry import mlflow_search
from .base import Args, MlflowError, MlflowMixin

PREFIX = "/api/2.0/mlflow"
MAX_RESULTS = 200_000  # MLflow's own bound on a search page


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1000)


def version_json(v: Any) -> dict[str, Any]:
    return {
        "name": v.name,
        "version": str(v.version),
        "creation_timestamp": _ms(v.created_at),
        "last_updated_timestamp": _ms(v.created_at),
        "user_id": v.user,
        "current_stage": "None",
        "description": v.description or "",
        "source": v.source,
        "run_id": v.run_id or "",
        "status": "READY",
        "tags": [],
        "aliases": list(v.aliases),
    }


def model_json(name: str) -> dict[str, Any]:
    m = mlops.get_model(name)
    latest = []
    if m.latest_version is not None:
        latest = [version_json(mlops.get_model_version(f"{name}/{m.latest_version}"))]
    return {
        "name": m.name,
        "creation_timestamp": _ms(m.created_at),
        "last_updated_timestamp": _ms(m.updated_at),
        "description": m.description or "",
        "latest_versions": latest,
        "tags": [],
        "aliases": [{"alias": a, "version": str(v)} for a, v in m.aliases.items()],
    }


def _no_tags(args: Args) -> None:
    if args.list("tags"):
        raise MlflowError("tags on registered models and versions are not supported here")


def _version(args: Args) -> tuple[str, int]:
    name = args.str("name", required=True)
    version = args.int("version")
    if version is None:
        raise MlflowError("Missing value for required parameter 'version'.")
    return name, version


def _page(rows: list, args: Args, key: str) -> dict[str, Any]:
    size = args.int("max_results", default=100)
    if not 1 <= size <= MAX_RESULTS:
        raise MlflowError(f"max_results must be between 1 and {MAX_RESULTS}, got {size}")
    token = args.str("page_token") or "0"
    if not token.isdigit():
        raise MlflowError(f"Invalid page token {token!r}")
    start = int(token)
    reply: dict[str, Any] = {key: rows[start : start + size]}
    if start + size < len(rows):
        reply["next_page_token"] = str(start + size)
    return reply


def _sort_key(field: str) -> Callable[[dict], Any]:
    if field == "version":
        return lambda r: int(r["version"])
    return lambda r: r[field] or 0


def _ordered(rows: list[dict], args: Args, default: list[str]) -> list[dict]:
    for clause in reversed(args.list("order_by") or default):
        field, _, direction = str(clause).strip().partition(" ")
        field = {"version_number": "version", "timestamp": "last_updated_timestamp"}.get(
            field, field
        )
        if not rows or field not in rows[0]:
            continue
        rows.sort(key=_sort_key(field), reverse=direction.strip().upper() == "DESC")
    return rows


# -- registered models -------------------------------------------------------------
def create_registered_model(args: Args) -> dict:
    _no_tags(args)
    name = args.str("name", required=True)
    try:
        fmt.create_model(name, args.str("description"))
    except Conflict as exc:
        raise MlflowError(str(exc), "RESOURCE_ALREADY_EXISTS") from None
    return {"registered_model": model_json(name)}


def get_registered_model(args: Args) -> dict:
    return {"registered_model": model_json(args.str("name", required=True))}


def search_registered_models(args: Args) -> dict:
    where = mlflow_search.parse_filter(args.str("filter"))
    names = [n for n in mlops.list_models()["name"] if mlflow_search.matches(where, {"name": n})]
    rows = _ordered([model_json(n) for n in names], args, ["name ASC"])
    return _page(rows, args, "registered_models")


def update_registered_model(args: Args) -> dict:
    name = args.str("name", required=True)
    fmt.set_model_description(name, args.str("description"))
    return {"registered_model": model_json(name)}


def rename_registered_model(args: Args) -> dict:
    raise MlflowError(
        "renaming a registered model is not supported here: versions, aliases and their "
        "history are keyed by the name; register the versions under the new name instead"
    )


def delete_registered_model(args: Args) -> dict:
    fmt.delete_model(args.str("name", required=True))
    return {}


def get_latest_versions(args: Args) -> dict:
    name = args.str("name", required=True)
    if any(s not in ("None", "") for s in args.list("stages")):
        return {"model_versions": []}  # stages are not kept: no version is in one
    model = mlops.get_model(name)
    if model.latest_version is None:
        return {"model_versions": []}
    return {"model_versions": [version_json(mlops.get_model_version(f"{name}/latest"))]}


# -- aliases -------------------------------------------------------------------------
def set_alias(args: Args) -> dict:
    name, version = _version(args)
    alias = args.str("alias", required=True)
    mlops.set_alias(name, alias, version, reason="set through MLflow's API")
    return {}


def delete_alias(args: Args) -> dict:
    name = args.str("name", required=True)
    mlops.delete_alias(
        name, args.str("alias", required=True), reason="deleted through MLflow's API"
    )
    return {}


def get_by_alias(args: Args) -> dict:
    name = args.str("name", required=True)
    alias = args.str("alias", required=True)
    return {"model_version": version_json(mlops.get_model_version(f"{name}@{alias}"))}


# -- versions ---------------------------------------------------------------------------
def create_model_version(args: Args) -> dict:
    _no_tags(args)
    info = fmt.register(
        args.str("name", required=True),
        args.str("source", required=True),
        args.str("run_id"),
        args.str("description"),
    )
    return {"model_version": version_json(info)}


def get_model_version(args: Args) -> dict:
    name, version = _version(args)
    return {"model_version": version_json(mlops.get_model_version(f"{name}/{version}"))}


def search_model_versions(args: Args) -> dict:
    where = mlflow_search.parse_filter(args.str("filter"))
    rows = [
        version_json(v)
        for name in mlops.list_models()["name"]
        for v in mlops.list_versions(name)
        if mlflow_search.matches(where, {"name": v.name, "run_id": v.run_id, "source": v.source})
    ]
    rows = _ordered(rows, args, ["name ASC", "version DESC"])
    return _page(rows, args, "model_versions")


def update_model_version(args: Args) -> dict:
    name, version = _version(args)
    fmt.set_version_description(name, version, args.str("description"))
    return {"model_version": version_json(mlops.get_model_version(f"{name}/{version}"))}


def delete_model_version(args: Args) -> dict:
    name, version = _version(args)
    fmt.delete_version(name, version)
    return {}


def download_uri(args: Args) -> dict:
    name, version = _version(args)
    return {"artifact_uri": fmt.download_uri(mlops.get_model_version(f"{name}/{version}"))}


def transition_stage(args: Args) -> dict:
    raise MlflowError(
        "model stages are not supported here; use aliases (set_registered_model_alias)"
    )


def endpoint(**verbs: Callable[[Args], dict]) -> type:
    """A mixin serving each ``verb=fn`` as JSON (several verbs can share one path)."""

    def serve(fn: Callable[[Args], dict]) -> Callable:
        async def on_verb(self: Any) -> None:
            args = self.mlflow_args()
            self.mlflow_reply(await self.call(fn, args))

        return on_verb

    first = next(iter(verbs.values())).__name__
    name = "".join(p.title() for p in first.split("_")) + "Handler"
    return type(name, (MlflowMixin,), {f"on_{v}": serve(fn) for v, fn in verbs.items()})


_MODELS = PREFIX + "/registered-models"
_VERSIONS = PREFIX + "/model-versions"
ROUTES = [
    (_MODELS + "/create", endpoint(post=create_registered_model)),
    (_MODELS + "/get", endpoint(get=get_registered_model)),
    (_MODELS + "/search", endpoint(get=search_registered_models)),
    (_MODELS + "/update", endpoint(patch=update_registered_model)),
    (_MODELS + "/rename", endpoint(post=rename_registered_model)),
    (_MODELS + "/delete", endpoint(delete=delete_registered_model)),
    (_MODELS + "/get-latest-versions", endpoint(post=get_latest_versions, get=get_latest_versions)),
    (_MODELS + "/alias", endpoint(post=set_alias, delete=delete_alias, get=get_by_alias)),
    (_VERSIONS + "/create", endpoint(post=create_model_version)),
    (_VERSIONS + "/get", endpoint(get=get_model_version)),
    (_VERSIONS + "/search", endpoint(get=search_model_versions)),
    (_VERSIONS + "/update", endpoint(patch=update_model_version)),
    (_VERSIONS + "/delete", endpoint(delete=delete_model_version)),
    (_VERSIONS + "/get-download-uri", endpoint(get=download_uri)),
    (_VERSIONS + "/transition-stage", endpoint(post=transition_stage)),
]
