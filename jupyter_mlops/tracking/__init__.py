"""Experiment tracking: runs, params, metrics, artifacts and what a run captured."""

from ..store.entities import RunStatus
from .api import (
    collect_garbage,
    count_runs,
    delete_run,
    download_artifact,
    end_run,
    get_metric_history,
    get_run,
    last_run,
    list_artifacts,
    list_experiments,
    load_artifact,
    log_artifact,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    restore_run,
    search_runs,
    set_run_tags,
    set_tag,
    set_tags,
    start_run,
    store_info,
)
from .autolog import autolog
from .cell_attempts import attempts, compare_attempts
from .cells import history as cell_history
from .cells import run_cells
from .events import list_events
from .run import Run, active_run

__all__ = [
    "Run",
    "RunStatus",
    "active_run",
    "attempts",
    "autolog",
    "cell_history",
    "collect_garbage",
    "compare_attempts",
    "count_runs",
    "delete_run",
    "download_artifact",
    "end_run",
    "get_metric_history",
    "get_run",
    "last_run",
    "list_artifacts",
    "list_events",
    "list_experiments",
    "load_artifact",
    "log_artifact",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "restore_run",
    "run_cells",
    "search_runs",
    "set_run_tags",
    "set_tag",
    "set_tags",
    "start_run",
    "store_info",
]
