"""Runs driven by id from a remote client (MLflow's REST API): create, update, log, search.

These are ordinary runs (``source_type`` ``"mlflow"``), shown by every view;
what differs from ``start_run`` is that no ``Run`` object lives in this
process, so each call names the run and writes through at once. Times here
are seconds; MLflow's milliseconds are converted by the caller, except in
filter strings, which ``mlflow_query`` translates whole.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidArgument
from ..store import get_store
from ..store import remote_runs as store_remote
from ..store.entities import MetricPoint, RunStatus
from ..store.metrics import insert_metrics
from .experiments import experiment_id_of
from .mlflow_query import run_query
from .validation import check_key, param_to_text, tag_to_text


def _tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {check_key(k, "tag key"): tag_to_text(k, v) for k, v in (tags or {}).items()}


def create_run(
    experiment_id: str | int,
    *,
    name: str | None = None,
    user: str | None = None,
    start_time: float | None = None,
    tags: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A RUNNING run in the experiment, owned by the remote client; returns ``get_run``'s shape."""
    checked = _tags(tags)
    name = name or checked.get("mlflow.runName")
    if name is not None and (not name.strip() or len(name) > 250):
        raise InvalidArgument("run_name", "a run name of at most 250 characters", name)
    info = store_remote.create_run(
        get_store(),
        experiment_id=experiment_id_of(experiment_id),
        name=name,
        user=(user or checked.get("mlflow.user") or "mlflow")[:128],
        start_time=start_time if start_time is not None else time.time(),
        tags=checked,
        source_path=checked.get("mlflow.source.name"),
        parent_run_id=checked.get("mlflow.parentRunId"),
    )
    return get_run(info.run_id)


def get_run(run_id: str) -> dict[str, Any]:
    """``{"info": RunInfo, "params": {...}, "tags": {...}, "metrics": [MetricPoint, ...]}``."""
    return store_remote.run_details(get_store(), [_run_id(run_id)])[run_id]


def _run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not run_id:
        raise InvalidArgument("run_id", "a run id", run_id)
    return run_id


def update_run(
    run_id: str,
    *,
    status: str | None = None,
    end_time: float | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    state = None
    if status:
        try:
            state = RunStatus(status)
        except ValueError:
            raise InvalidArgument("status", "RUNNING, FINISHED, FAILED or KILLED", status) from None
    store_remote.update_run(
        get_store(), _run_id(run_id), status=state, end_time=end_time, name=name
    )
    return get_run(run_id)


def log_batch(
    run_id: str,
    metrics: Sequence[tuple[str, float, float, int]] = (),
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
) -> None:
    """Log (key, value, timestamp, step) points, params and tags into a run (ended ones too).

    Params and tags are written first, in one transaction, so a changed param
    refuses the whole batch before any metric is stored.
    """
    store = get_store()
    run_id = _run_id(run_id)
    checked_params = {
        check_key(k, "param key"): param_to_text(k, v) for k, v in (params or {}).items()
    }
    rows = []
    for key, value, timestamp, step in metrics:
        check_key(key, "metric key")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidArgument(f"metric {key!r}", "a number", value)
        if isinstance(step, bool) or not isinstance(step, int):
            raise InvalidArgument(f"step of metric {key!r}", "a whole number", step)
        value = float(value)
        if math.isinf(value):
            value = math.copysign(1.7976931348623157e308, value)  # MLflow stores +-inf as +-max
        rows.append((run_id, key, step, float(timestamp), value))
    if checked_params or tags:
        store_remote.write_params_tags(store, run_id, checked_params, _tags(tags))
    else:
        store_remote.check_writable(store, run_id)
    if rows:
        insert_metrics(store, rows)


def delete_tag(run_id: str, key: str) -> None:
    store_remote.delete_tag(get_store(), _run_id(run_id), check_key(key, "key"))


def metric_history(run_id: str, key: str, limit: int, offset: int = 0) -> list[MetricPoint]:
    """One page of a metric's points in step order."""
    if limit < 1 or offset < 0:
        raise InvalidArgument("max_results", "a whole number >= 1", limit)
    return store_remote.metric_page(
        get_store(), _run_id(run_id), check_key(key, "metric_key"), limit, offset
    )


def search(
    experiment_ids: Sequence[str | int],
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    view: str = "ACTIVE_ONLY",
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Runs (children included) of the experiments matching MLflow's filter, in ``get_run``'s shape."""
    query = run_query(experiment_ids, filter, order_by, view, limit, offset)
    return store_remote.search_details(get_store(), query)
