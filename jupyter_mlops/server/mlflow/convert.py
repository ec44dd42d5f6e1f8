"""Core values in MLflow's JSON shapes, MLflow's paging tokens, and its milliseconds."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from ...tracking.mlflow_inputs import dataset_inputs
from .base import MlflowError, RawJson


def ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def seconds(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return int(value) / 1000.0
    except (TypeError, ValueError):
        raise MlflowError(
            f"Invalid value {value!r} for parameter '{name}': expected milliseconds"
        ) from None


def number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise MlflowError(f"Invalid value {value!r} for parameter '{name}': expected a number")
    try:
        return float(value)  # "NaN" and "Infinity" come as strings in MLflow's JSON
    except (TypeError, ValueError):
        raise MlflowError(
            f"Invalid value {value!r} for parameter '{name}': expected a number"
        ) from None


def integer(value: Any, name: str, default: int = 0) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MlflowError(
            f"Invalid value {value!r} for parameter '{name}': expected an integer"
        ) from None


def key_values(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in sorted(mapping.items())]


def json_number(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def metric(point: Any) -> dict[str, Any]:
    return {
        "key": point.key,
        "value": json_number(point.value),
        "timestamp": ms(point.timestamp),
        "step": int(point.step),
    }


def experiment(detail: Any) -> dict[str, Any]:
    created = ms(detail.created_at)
    return {
        "experiment_id": str(detail.experiment_id),
        "name": detail.name,
        "artifact_location": f"mlflow-artifacts:/{detail.experiment_id}",
        "lifecycle_stage": detail.lifecycle,
        "creation_time": created,
        "last_update_time": ms(detail.deleted_at) or created,
        "tags": key_values(detail.tags),
    }


def run_info(info: Any) -> dict[str, Any]:
    return {
        "run_id": info.run_id,
        "run_uuid": info.run_id,
        "run_name": info.name,
        "experiment_id": str(info.experiment_id),
        "user_id": info.user,
        "status": info.status.value if hasattr(info.status, "value") else info.status,
        "start_time": ms(info.start_time),
        "end_time": ms(info.end_time),
        "artifact_uri": artifact_uri(info.experiment_id, info.run_id),
        "lifecycle_stage": info.lifecycle,
    }


def artifact_uri(experiment_id: int, run_id: str) -> str:
    """Where MLflow's client sends a run's artifacts (the mlflow-artifacts proxy)."""
    return f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"


def run(details: Mapping[str, Any]) -> dict[str, Any]:
    """A run as MLflow's server sends it: unset fields (no end time, no inputs) left out,
    as protobuf's JSON does; the client parses every field, a thousand runs a page."""
    info = run_info(details["info"])
    if info["end_time"] is None:
        del info["end_time"]
    out = {
        "info": info,
        "data": {
            "metrics": [metric(p) for p in sorted(details["metrics"], key=lambda p: p.key)],
            "params": key_values(details["params"]),
            "tags": key_values(details["tags"]),
        },
    }
    inputs = details["info"].context.get("mlflow_inputs")
    if inputs:
        out["inputs"] = {"dataset_inputs": dataset_inputs(inputs)}
    return out


def summary_json(run: Any) -> str:
    """``run``'s shape as compact JSON, written from a search page's plain row
    (``mlflow_query.search_summaries``) without a dict, ``RunInfo`` or ``MetricPoint``:
    half the time of building and encoding the dicts, a thousand runs a page."""
    run_id, name, experiment_id, user, status, start, end, lifecycle = run.row
    rid = _quote(run_id)
    end_time = "" if end is None else f',"end_time":{ms(end)}'
    metrics = ",".join(
        [
            f'{{"key":{_quote(k)},"value":{_number(v)},"timestamp":{ms(ts)},"step":{int(step)}}}'
            for k, v, step, ts in _sorted(run.metrics)
        ]
    )
    text = (
        f'{{"info":{{"run_id":{rid},"run_uuid":{rid},"run_name":{_quote(name)},'
        f'"experiment_id":"{experiment_id}","user_id":{_quote(user)},"status":{_quote(status)},'
        f'"start_time":{ms(start)}{end_time},'
        f'"artifact_uri":{_quote(artifact_uri(experiment_id, run_id))},'
        f'"lifecycle_stage":{_quote(lifecycle)}}},'
        f'"data":{{"metrics":[{metrics}],"params":[{_pairs(run.params)}],'
        f'"tags":[{_pairs(run.tags)}]}}'
    )
    if run.inputs:
        datasets = json.dumps(dataset_inputs(run.inputs), separators=(",", ":"), allow_nan=True)
        text += f',"inputs":{{"dataset_inputs":{datasets}}}'
    return text + "}"


def _pairs(items: list[tuple[str, str]]) -> str:
    return ",".join([f'{{"key":{_quote(k)},"value":{_quote(v)}}}' for k, v in _sorted(items)])


def _sorted(items: list[tuple]) -> list[tuple]:
    return sorted(items) if len(items) > 1 else items


def _number(value: float) -> str:
    if value - value == 0:  # finite (NaN and the infinities give NaN)
        return repr(value)
    return f'"{json_number(value)}"'


def runs_page(runs: list[str], token: str | None) -> RawJson:
    """search-runs' reply from its runs' JSON texts and the next page's token."""
    more = "" if token is None else f',"next_page_token":{_quote(token)}'
    return RawJson(f'{{"runs":[{",".join(runs)}]{more}}}')


def page_offset(token: str | None) -> int:
    """The offset inside an opaque ``page_token`` (base64 of ``{"offset": n}``)."""
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError):
        pass
    raise MlflowError(f"Invalid page token {token!r}")


def next_token(offset: int, returned: int, limit: int) -> str | None:
    if returned < limit:
        return None
    return base64.urlsafe_b64encode(json.dumps({"offset": offset + returned}).encode()).decode()
