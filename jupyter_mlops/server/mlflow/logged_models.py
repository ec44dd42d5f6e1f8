"""MLflow 3's logged-models routes and ``runs/outputs`` over ``tracking.logged_models``.

``mlflow.sklearn.log_model`` creates a logged model (``POST logged-models``),
links it to its run (``POST runs/outputs``), reads it back for its artifact
location and uploads there through the artifact proxy; the location is inside
the run's artifacts, so ``mlflow.register_model("runs:/<run>/<name>", ...)``
takes the registry's ordinary path. Search understands ``name``,
``source_run_id``, ``status`` and ``model_type`` equalities joined by AND.
"""

from __future__ import annotations

import re
from typing import Any

from ...tracking import logged_models as core
from . import convert
from .base import Args, MlflowError, MlflowMixin, json_endpoint

_P = "/api/2.0/mlflow/logged-models"
_ID = "/([^/]+)"
_CLAUSE = re.compile(r"\s*(\w+)\s*=\s*(?:'([^']*)'|\"([^\"]*)\")\s*$")
_FILTER_FIELDS = ("name", "source_run_id", "status", "model_type")
_STATUS_PREFIX = "LOGGED_MODEL_"


def _model(model: dict[str, Any]) -> dict[str, Any]:
    info = {
        "model_id": model["model_id"],
        "experiment_id": model["experiment_id"],
        "name": model["name"],
        "creation_timestamp_ms": convert.ms(model["created"]),
        "last_updated_timestamp_ms": convert.ms(model["updated"]),
        "artifact_uri": model["artifact_uri"],
        "status": _STATUS_PREFIX + model["status"],
        "source_run_id": model["source_run_id"],
        "tags": convert.key_values(model["tags"]),
    }
    if model["model_type"]:
        info["model_type"] = model["model_type"]
    return {"info": info, "data": {"params": convert.key_values(model["params"]), "metrics": []}}


def _pairs(items: list[Any], kind: str) -> dict[str, Any]:
    out = {}
    for item in items:
        if not isinstance(item, dict) or not item.get("key"):
            raise MlflowError(f"Invalid {kind} {item!r}: expected {{'key': ..., 'value': ...}}")
        out[item["key"]] = item.get("value", "")
    return out


def create(args: Args) -> dict[str, Any]:
    model = core.create(
        args.str("experiment_id"),
        name=args.str("name"),
        source_run_id=args.str("source_run_id"),
        model_type=args.str("model_type"),
        tags=_pairs(args.list("tags"), "tag"),
        params=_pairs(args.list("params"), "param"),
    )
    return {"model": _model(model)}


def _filter(text: str | None) -> dict[str, str]:
    where: dict[str, str] = {}
    for clause in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE) if text else ():
        match = _CLAUSE.match(clause)
        if match is None or match.group(1) not in _FILTER_FIELDS:
            raise MlflowError(
                f"Invalid filter {text!r}: this server takes {', '.join(_FILTER_FIELDS)} "
                "= 'value' joined by AND"
            )
        value = match.group(2) if match.group(2) is not None else match.group(3)
        where[match.group(1)] = value.removeprefix(_STATUS_PREFIX)
    return where


def search(args: Args) -> dict[str, Any]:
    limit = convert.integer(args.get("max_results"), "max_results", 100)
    offset = convert.page_offset(args.str("page_token"))
    ids = [str(e) for e in args.list("experiment_ids")]
    if not ids:
        raise MlflowError("Missing value for required parameter 'experiment_ids'.")
    found = core.search(ids, _filter(args.str("filter")))
    page = found[offset : offset + limit]
    out: dict[str, Any] = {"models": [_model(m) for m in page]}
    if offset + limit < len(found):
        out["next_page_token"] = convert.next_token(offset, len(page), limit)
    return out


def log_outputs(args: Args) -> dict[str, Any]:
    run_id = args.str("run_id", required=True)
    outputs = []
    for item in args.list("models"):
        if not isinstance(item, dict) or not item.get("model_id"):
            raise MlflowError(f"Invalid model output {item!r}: expected a model_id")
        outputs.append((item["model_id"], convert.integer(item.get("step"), "step", 0)))
    core.log_outputs(run_id, outputs)
    return {}


class LoggedModelHandler(MlflowMixin):
    """``GET`` reads, ``PATCH`` finalizes (``status``), ``DELETE`` forgets a logged model."""

    async def on_get(self, model_id: str) -> None:
        self.mlflow_reply({"model": _model(await self.call(core.get, model_id))})

    async def on_patch(self, model_id: str) -> None:
        status = str(self.mlflow_args().str("status", required=True))
        model = await self.call(core.finalize, model_id, status.removeprefix(_STATUS_PREFIX))
        self.mlflow_reply({"model": _model(model)})

    async def on_delete(self, model_id: str) -> None:
        await self.call(core.delete, model_id)
        self.mlflow_reply({})


class TagsHandler(MlflowMixin):
    async def on_patch(self, model_id: str) -> None:
        tags = _pairs(self.mlflow_args().list("tags"), "tag")
        await self.call(core.set_tags, model_id, tags)
        self.mlflow_reply({})


class TagHandler(MlflowMixin):
    async def on_delete(self, model_id: str, key: str) -> None:
        await self.call(core.delete_tag, model_id, key)
        self.mlflow_reply({})


class ParamsHandler(MlflowMixin):
    async def on_post(self, model_id: str) -> None:
        params = _pairs(self.mlflow_args().list("params"), "param")
        await self.call(core.log_params, model_id, params)
        self.mlflow_reply({})


ROUTES: list[tuple[str, type]] = [
    (_P, json_endpoint("POST", create)),
    (_P + "/search", json_endpoint("POST", search)),
    (_P + _ID + "/tags/(.+)", TagHandler),
    (_P + _ID + "/tags", TagsHandler),
    (_P + _ID + "/params", ParamsHandler),
    (_P + _ID, LoggedModelHandler),
    ("/api/2.0/mlflow/runs/outputs", json_endpoint("POST", log_outputs)),
]
