"""Attempts: each execution of a ``%%mlops run`` cell is a run linked to the cell's earlier ones.

Also ``start_fresh_run``, which ends what this kernel has open before a new
run starts (``%mlops start``). The magics call these; they work the same from
plain Python.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import InvalidArgument, NotFound
from ..store import cells as cell_store
from ..store import get_store
from ..store.entities import RunStatus
from .api import get_run, start_run
from .run import Run, require_active_run

ATTEMPT_KEY = cell_store.ATTEMPT_KEY_TAG
ATTEMPT_NUMBER = "mlops.attempt"
PREVIOUS_ATTEMPT = "mlops.previous_attempt"


def start_fresh_run(
    name: str | None = None,
    experiment: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    *,
    reason: str = "a new run was started",
) -> tuple[Run, list[Run]]:
    """Finish the runs this kernel has open (innermost first), then start a new one.

    Returns the new run and the runs that were finished, so a face can say so.
    """
    from . import run as run_mod
    from .attach import AttachedRun

    finished: list[Run] = []
    # Only runs this kernel opened: a pipeline's run (attach.py) is the runner's to end,
    # and a new run inside it becomes its child.
    for open_run in reversed(run_mod.open_runs()):
        if isinstance(open_run, AttachedRun):
            break
        if not open_run.ended:
            open_run.end(RunStatus.FINISHED, reason=reason)
            finished.append(open_run)
    return start_run(name, experiment, params, tags), finished


def attempt_key(cell_id: str | None, source: str) -> str:
    """What makes two executions attempts of the same cell: its id, else its source."""
    if cell_id:
        return f"cell:{cell_id}"
    return "source:" + hashlib.sha256(source.strip().encode()).hexdigest()[:16]


def start_attempt(
    key: str,
    name: str | None = None,
    experiment: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
) -> Run:
    """Start a run as the next attempt of ``key``, linked to the previous attempt."""
    previous = cell_store.attempt_runs(get_store(), key)
    link: dict[str, Any] = {ATTEMPT_KEY: key, ATTEMPT_NUMBER: len(previous) + 1}
    if previous:
        link[PREVIOUS_ATTEMPT] = previous[-1].run_id
    return start_run(name, experiment, params, {**(tags or {}), **link})


def _attempt_ids(run_id: str | None) -> list[str]:
    if run_id is None:
        run_id = require_active_run().id
    full_id, key = cell_store.attempt_key_of(get_store(), run_id)
    if key is None:
        raise NotFound(
            f"run {full_id[:8]} is not an attempt of a cell: attempts are runs of a "
            "%%mlops run cell (or started with start_attempt())"
        )
    return [r.run_id for r in cell_store.attempt_runs(get_store(), key)]


def attempts(run_id: str | None = None) -> pd.DataFrame:
    """Every attempt of the cell that made ``run_id`` (default: the active run), oldest first.

    One row per attempt: attempt number, run id, status, duration, error, then
    ``params.*`` and ``metrics.*`` columns.
    """
    rows = []
    for rid in _attempt_ids(run_id):
        data = get_run(rid)
        info = data.info
        end = info.end_time if info.end_time is not None else time.time()
        rows.append(
            {
                "attempt": int(data.tags.get(ATTEMPT_NUMBER, len(rows) + 1)),
                "run_id": info.run_id,
                "name": info.name,
                "status": info.status.value,
                "duration_s": round(end - info.start_time, 3),
                "error": (info.error or "").strip().splitlines()[-1] if info.error else None,
                **{f"params.{k}": v for k, v in data.params.items()},
                **{f"metrics.{k}": v for k, v in data.metrics.items()},
            }
        )
    return pd.DataFrame(rows)


def compare_attempts(run_id: str | None = None, only_differences: bool = False) -> pd.DataFrame:
    """``compare_runs`` over every attempt of the cell that made ``run_id``."""
    from .compare import compare_runs

    ids = _attempt_ids(run_id)
    if len(ids) < 2:
        raise InvalidArgument(
            "run_id", "a run whose cell ran at least twice", run_id, hint="only one attempt so far"
        )
    return compare_runs(ids, only_differences=only_differences)
