"""Runs: created, ended, kept alive by heartbeats, reaped when their process is gone; read whole.

A run's params and tags, metrics and artifacts live in ``params_tags``,
``metrics`` and ``artifacts``; the helpers the store modules share to find a
run's row in ``run_rows``. Public functions take the ``Store`` and open one
managed session each.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from ..errors import InvalidArgument

# get_artifact, list_artifacts, list_experiments, metric_history and set_tags are
# re-exported: tracking.api and registry.models reach them through ``store.runs``.
from .artifacts import artifacts_of, get_artifact, list_artifacts
from .entities import RunData, RunInfo, RunStatus
from .events import record_event
from .experiments import get_or_create_experiment, list_experiments
from .identity import current_host, current_user, process_alive
from .metrics import metric_history
from .params_tags import set_tags
from .run_rows import load_run_row, resolve_run_id, run_info_of
from .schema import LatestMetric, Param, Tag
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store

__all__ = [
    "child_run_ids",
    "create_run",
    "end_run",
    "get_artifact",
    "get_run_data",
    "get_run_info",
    "heartbeat",
    "list_artifacts",
    "list_experiments",
    "metric_history",
    "reap_stale_runs",
    "set_tags",
    "update_context",
]


def get_run_info(store: Store, run_id: str) -> RunInfo:
    with store.db.session() as s:
        row, exp = load_run_row(s, resolve_run_id(s, run_id))
        return run_info_of(row, exp)


def create_run(
    store: Store,
    *,
    experiment: str,
    name: str | None,
    parent_run_id: str | None = None,
    source_type: str = "unknown",
    source_path: str | None = None,
    git: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> RunInfo:
    now = time.time()
    run_id = uuid.uuid4().hex
    git = git or {}
    with store.db.session(write=True) as s:
        exp = get_or_create_experiment(s, experiment)
        if parent_run_id is not None:
            load_run_row(s, parent_run_id)
        s.execute(
            insert(RunRow).values(
                run_id=run_id,
                experiment_id=exp.experiment_id,
                name=name or f"run-{run_id[:8]}",
                status=RunStatus.RUNNING.value,
                start_time=now,
                end_time=None,
                heartbeat_at=now,
                user=current_user(),
                host=current_host(),
                pid=_pid(),
                source_type=source_type,
                source_path=source_path,
                git_commit=git.get("commit"),
                git_branch=git.get("branch"),
                git_dirty=git.get("dirty"),
                error=None,
                parent_run_id=parent_run_id,
                context=dict(context or {}),
            )
        )
        if params:
            s.execute(
                insert(Param), [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()]
            )
        if tags:
            s.execute(
                insert(Tag), [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
            )
        record_event(s, "run.started", "run", run_id, payload={"experiment": experiment})
        row, exp_name = load_run_row(s, run_id)
        return run_info_of(row, exp_name)


def _pid() -> int:
    import os

    return os.getpid()


def update_context(store: Store, run_id: str, extra: Mapping[str, Any]) -> None:
    with store.db.session(write=True) as s:
        row, _ = load_run_row(s, run_id)
        ctx = dict(row.context or {})
        ctx.update(extra)
        s.execute(update(RunRow).where(RunRow.run_id == run_id).values(context=ctx))


def end_run(
    store: Store,
    run_id: str,
    status: RunStatus,
    *,
    error: str | None = None,
    reason: str | None = None,
    end_time: float | None = None,
) -> RunInfo:
    if not status.terminal:
        raise InvalidArgument("status", "FINISHED, FAILED or KILLED", status.value)
    with store.db.session(write=True) as s:
        row, exp = load_run_row(s, run_id)
        if row.status != RunStatus.RUNNING.value:
            return run_info_of(row, exp)
        s.execute(
            update(RunRow)
            .where(RunRow.run_id == run_id)
            .values(status=status.value, end_time=end_time or time.time(), error=error)
        )
        record_event(
            s,
            f"run.{status.value.lower()}",
            "run",
            run_id,
            reason=reason,
            payload={"error": error[-2000:]} if error else {},
        )
        row, exp = load_run_row(s, run_id)
        return run_info_of(row, exp)


def heartbeat(store: Store, run_ids: Sequence[str], now: float | None = None) -> None:
    if not run_ids:
        return
    with store.db.session(write=True) as s:
        s.execute(
            update(RunRow)
            .where(RunRow.run_id.in_(list(run_ids)), RunRow.status == RunStatus.RUNNING.value)
            .values(heartbeat_at=now or time.time())
        )


MLFLOW_SOURCE = "mlflow"  # source_type of runs created through MLflow's REST API


def reap_stale_runs(store: Store, *, now: float | None = None, timeout: float) -> list[str]:
    """Mark KILLED every RUNNING run whose process is gone.

    A run is gone when its heartbeat is older than ``timeout`` seconds, or when
    it was started on this host by a process that no longer exists. Runs an
    MLflow client created over REST have no process here to watch: like
    MLflow's own, they stay RUNNING until the client ends them.
    """
    now = time.time() if now is None else now
    host = current_host()
    own_pid = _pid()
    killed: list[str] = []
    with store.db.session(write=True) as s:
        rows = s.execute(
            select(RunRow.run_id, RunRow.heartbeat_at, RunRow.host, RunRow.pid).where(
                RunRow.status == RunStatus.RUNNING.value, RunRow.source_type != MLFLOW_SOURCE
            )
        ).all()
        for run_id, beat, run_host, pid in rows:
            stale = beat < now - timeout
            dead = run_host == host and pid != own_pid and not process_alive(pid)
            if not (stale or dead):
                continue
            why = (
                f"process {pid} on {run_host} is gone"
                if dead
                else f"no heartbeat for {now - beat:.0f} s (limit {timeout:.0f} s)"
            )
            s.execute(
                update(RunRow)
                .where(RunRow.run_id == run_id, RunRow.status == RunStatus.RUNNING.value)
                .values(status=RunStatus.KILLED.value, end_time=beat, error=f"killed: {why}")
            )
            record_event(s, "run.killed", "run", run_id, reason=why, user="mlops")
            killed.append(run_id)
    return killed


def get_run_data(store: Store, run_id: str) -> RunData:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        row, exp = load_run_row(s, run_id)
        params = dict(s.execute(select(Param.key, Param.value).where(Param.run_id == run_id)).all())
        tags = dict(s.execute(select(Tag.key, Tag.value).where(Tag.run_id == run_id)).all())
        metrics = {
            k: (float("nan") if n else v)
            for k, v, n in s.execute(
                select(LatestMetric.key, LatestMetric.value, LatestMetric.is_nan).where(
                    LatestMetric.run_id == run_id
                )
            ).all()
        }
        arts = artifacts_of(s, run_id)
        return RunData(
            run_info_of(row, exp),
            dict(sorted(params.items())),
            dict(sorted(metrics.items())),
            dict(sorted(tags.items())),
            arts,
        )


def child_run_ids(store: Store, run_id: str) -> list[str]:
    with store.db.session() as s:
        return list(
            s.scalars(
                select(RunRow.run_id)
                .where(RunRow.parent_run_id == run_id)
                .order_by(RunRow.start_time)
            )
        )
