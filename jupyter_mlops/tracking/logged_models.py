"""MLflow 3's logged models, kept on the run that logged them (no table of their own).

``mlflow.<flavor>.log_model`` first creates a logged model, then uploads its
files to the model's artifact location. Here a logged model belongs to its
source run: its record is one run tag ``mlflow.loggedModel.<suffix>`` (JSON:
name, status, type, times, tags, params that differ from the run's), its id is
``m-<run_id>-<suffix>`` (so finding it is one run read), and its files go to
the run's artifacts under its name (``mlflow-artifacts:/<exp>/<run>/artifacts/
<name>``), where ``runs:/<run_id>/<name>`` and the model registry find them.
A model logged outside a run is refused: there is nowhere to keep it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidArgument, NotFound
from . import remote
from .validation import check_key

TAG_PREFIX = "mlflow.loggedModel."
STATUSES = ("PENDING", "READY", "FAILED")
MAX_SEARCH_RUNS = 50_000


def _split_id(model_id: object) -> tuple[str, str]:
    if isinstance(model_id, str) and model_id.startswith("m-") and model_id.count("-") >= 2:
        run_id, _, suffix = model_id[2:].rpartition("-")
        if run_id and suffix.isalnum():
            return run_id, suffix
    raise NotFound(f"no logged model {model_id!r} (ids look like m-<run id>-<suffix>)")


def _shape(model_id: str, details: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    info = details["info"]
    return {
        "model_id": model_id,
        "experiment_id": str(info.experiment_id),
        "name": record["name"],
        "source_run_id": info.run_id,
        "artifact_uri": (
            f"mlflow-artifacts:/{info.experiment_id}/{info.run_id}/artifacts/{record['name']}"
        ),
        "status": record["status"],
        "model_type": record.get("model_type"),
        "created": record["created"],
        "updated": record["updated"],
        "step": record.get("step", 0),
        "tags": dict(record.get("tags", {})),
        "params": {**details["params"], **record.get("params", {})},
    }


def _read(model_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    run_id, suffix = _split_id(model_id)
    try:
        details = remote.get_run(run_id)
    except NotFound:
        raise NotFound(f"no logged model {model_id!r}: its run {run_id} does not exist") from None
    raw = details["tags"].get(TAG_PREFIX + suffix)
    if raw is None:
        raise NotFound(f"no logged model {model_id!r} in run {run_id}")
    return details, json.loads(raw)


def _write(model_id: str, record: dict[str, Any]) -> None:
    run_id, suffix = _split_id(model_id)
    record["updated"] = time.time()
    remote.log_batch(run_id, tags={TAG_PREFIX + suffix: json.dumps(record, sort_keys=True)})


def _strings(kind: str, values: Mapping[str, Any] | None) -> dict[str, str]:
    return {check_key(str(k), f"{kind} key"): str(v) for k, v in (values or {}).items()}


def create(
    experiment_id: str | None,
    *,
    name: str | None,
    source_run_id: str | None,
    model_type: str | None = None,
    tags: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A PENDING logged model of ``source_run_id`` (which must be in ``experiment_id`` if given)."""
    if not source_run_id:
        raise InvalidArgument(
            "source_run_id", "the run logging the model (call log_model inside mlflow.start_run())"
        )
    details = remote.get_run(source_run_id)
    if experiment_id and str(details["info"].experiment_id) != str(experiment_id):
        raise InvalidArgument(
            "experiment_id", f"the experiment of run {source_run_id}", experiment_id
        )
    name = check_key(name or f"model-{uuid.uuid4().hex[:8]}", "name")
    run_params = details["params"]
    own = {k: v for k, v in _strings("param", params).items() if run_params.get(k) != v}
    now = time.time()
    record = {"name": name, "status": "PENDING", "model_type": model_type, "created": now,
              "tags": _strings("tag", tags), "params": own}  # fmt: skip
    model_id = f"m-{source_run_id}-{uuid.uuid4().hex[:12]}"
    _write(model_id, record)
    return _shape(model_id, details, record)


def get(model_id: str) -> dict[str, Any]:
    details, record = _read(model_id)
    return _shape(model_id, details, record)


def _update(model_id: str, change: Any) -> dict[str, Any]:
    details, record = _read(model_id)
    change(record)
    _write(model_id, record)
    return _shape(model_id, details, record)


def finalize(model_id: str, status: str) -> dict[str, Any]:
    if status not in STATUSES[1:]:
        raise InvalidArgument("status", "READY or FAILED", status)
    return _update(model_id, lambda record: record.update(status=status))


def set_tags(model_id: str, tags: Mapping[str, Any]) -> dict[str, Any]:
    checked = _strings("tag", tags)
    return _update(model_id, lambda record: record.setdefault("tags", {}).update(checked))


def delete_tag(model_id: str, key: str) -> dict[str, Any]:
    def drop(record: dict[str, Any]) -> None:
        if key not in record.get("tags", {}):
            raise NotFound(f"logged model {model_id!r} has no tag {key!r}")
        del record["tags"][key]

    return _update(model_id, drop)


def log_params(model_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
    checked = _strings("param", params)
    return _update(model_id, lambda record: record.setdefault("params", {}).update(checked))


def log_outputs(run_id: str, outputs: Sequence[tuple[str, int]]) -> None:
    """Record the step each (model id, step) was logged at; the models must be the run's own."""
    for model_id, step in outputs:
        if _split_id(model_id)[0] != run_id:
            raise InvalidArgument("models", f"logged models of run {run_id}", model_id)
        _update(model_id, lambda record, step=step: record.update(step=int(step)))


def delete(model_id: str) -> None:
    """Forget the record; the files stay in the run's artifacts, as the run's."""
    _read(model_id)
    run_id, suffix = _split_id(model_id)
    remote.delete_tag(run_id, TAG_PREFIX + suffix)


def search(
    experiment_ids: Sequence[str], where: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Logged models of the experiments' runs whose fields equal ``where``, newest first."""
    found = []
    for details in remote.search(list(experiment_ids), limit=MAX_SEARCH_RUNS):
        for key, raw in details["tags"].items():
            if key.startswith(TAG_PREFIX):
                model_id = f"m-{details['info'].run_id}-{key[len(TAG_PREFIX) :]}"
                model = _shape(model_id, details, json.loads(raw))
                if all(str(model.get(k)) == v for k, v in (where or {}).items()):
                    found.append(model)
    return sorted(found, key=lambda m: m["created"], reverse=True)
