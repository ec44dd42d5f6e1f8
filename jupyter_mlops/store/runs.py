"""Runs, params, tags, metrics and artifacts in the database.

Private helpers take the session; public functions open one managed session each.
"""

from __future__ import annotations

import operator
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidArgument, NotFound
from .entities import ArtifactInfo, ExperimentInfo, MetricPoint, RunData, RunInfo, RunStatus
from .events import record_event
from .identity import current_host, current_user, process_alive
from .schema import Artifact, Experiment, LatestMetric, Metric, Param, Tag
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store

# A metric row as buffered by the writer: (run_id, key, step, timestamp, value).
MetricRow = tuple[str, str, int, float, float]


# -- experiments ------------------------------------------------------------
def _experiment_info(row: Experiment) -> ExperimentInfo:
    return ExperimentInfo(row.experiment_id, row.name, row.created_at, row.description)


def get_or_create_experiment(session: Session, name: str) -> ExperimentInfo:
    row = session.scalars(select(Experiment).where(Experiment.name == name)).first()
    if row is None:
        with session.begin_nested():
            session.execute(insert(Experiment).values(name=name, created_at=time.time()))
        row = session.scalars(select(Experiment).where(Experiment.name == name)).one()
    return _experiment_info(row)


def find_experiment(session: Session, name: str) -> ExperimentInfo:
    row = session.scalars(select(Experiment).where(Experiment.name == name)).first()
    if row is None:
        raise NotFound(f"experiment {name!r} does not exist")
    return _experiment_info(row)


def list_experiments(store: Store) -> list[ExperimentInfo]:
    with store.db.session() as s:
        return [
            _experiment_info(r) for r in s.scalars(select(Experiment).order_by(Experiment.name))
        ]


# -- runs -------------------------------------------------------------------
def _run_info(row: RunRow, experiment: str) -> RunInfo:
    return RunInfo(
        run_id=row.run_id,
        experiment_id=row.experiment_id,
        experiment=experiment,
        name=row.name,
        status=RunStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        heartbeat_at=row.heartbeat_at,
        user=row.user,
        host=row.host,
        pid=row.pid,
        source_type=row.source_type,
        source_path=row.source_path,
        git_commit=row.git_commit,
        git_branch=row.git_branch,
        git_dirty=row.git_dirty,
        error=row.error,
        parent_run_id=row.parent_run_id,
        context=dict(row.context or {}),
        lifecycle=row.lifecycle,
    )


def _load_run(session: Session, run_id: str) -> tuple[RunRow, str]:
    if not isinstance(run_id, str) or not run_id:
        raise InvalidArgument("run_id", "a run id string", run_id)
    found = session.execute(
        select(RunRow, Experiment.name)
        .join(Experiment, Experiment.experiment_id == RunRow.experiment_id)
        .where(RunRow.run_id == run_id)
    ).first()
    if found is None:
        raise NotFound(f"run {run_id!r} does not exist")
    return found[0], found[1]


def load_run_row(session: Session, run_id: str) -> tuple[RunRow, str]:
    """For the other store modules: a run's row and experiment name (``NotFound`` when absent)."""
    return _load_run(session, run_id)


def run_info_of(row: RunRow, experiment: str) -> RunInfo:
    """For the other store modules: the frozen ``RunInfo`` of a row read with its experiment."""
    return _run_info(row, experiment)


def resolve_run_id(session: Session, ref: str) -> str:
    """A full run id, or a unique prefix of at least 6 characters (as git does for commits)."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidArgument("run_id", "a run id or a unique prefix of it", ref)
    ref = ref.strip()
    if session.get(RunRow, ref) is not None:
        return ref
    hexadecimal = all(c in "0123456789abcdef" for c in ref)
    if hexadecimal and len(ref) < 6:
        raise InvalidArgument("run_id", "a run id or a unique prefix of at least 6 characters", ref)
    if hexadecimal:
        ids = session.scalars(
            select(RunRow.run_id).where(RunRow.run_id.like(ref + "%")).limit(2)
        ).all()
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise InvalidArgument(
                "run_id", "a unique prefix", ref, hint="several runs start with it"
            )
    raise NotFound(f"run {ref!r} does not exist")


def get_run_info(store: Store, run_id: str) -> RunInfo:
    with store.db.session() as s:
        row, exp = _load_run(s, resolve_run_id(s, run_id))
        return _run_info(row, exp)


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
            _load_run(s, parent_run_id)
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
        row, exp_name = _load_run(s, run_id)
        return _run_info(row, exp_name)


def _pid() -> int:
    import os

    return os.getpid()


def _require_running(row: RunRow, what: str) -> None:
    if row.status != RunStatus.RUNNING.value:
        raise Conflict(
            f"run {row.run_id} is {row.status}; {what} needs a RUNNING run "
            "(start a new run with start_run())"
        )


def update_context(store: Store, run_id: str, extra: Mapping[str, Any]) -> None:
    with store.db.session(write=True) as s:
        row, _ = _load_run(s, run_id)
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
        row, exp = _load_run(s, run_id)
        if row.status != RunStatus.RUNNING.value:
            return _run_info(row, exp)
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
        row, exp = _load_run(s, run_id)
        return _run_info(row, exp)


def heartbeat(store: Store, run_ids: Sequence[str], now: float | None = None) -> None:
    if not run_ids:
        return
    with store.db.session(write=True) as s:
        s.execute(
            update(RunRow)
            .where(RunRow.run_id.in_(list(run_ids)), RunRow.status == RunStatus.RUNNING.value)
            .values(heartbeat_at=now or time.time())
        )


def reap_stale_runs(store: Store, *, now: float | None = None, timeout: float) -> list[str]:
    """Mark KILLED every RUNNING run whose process is gone.

    A run is gone when its heartbeat is older than ``timeout`` seconds, or when
    it was started on this host by a process that no longer exists.
    """
    now = time.time() if now is None else now
    host = current_host()
    own_pid = _pid()
    killed: list[str] = []
    with store.db.session(write=True) as s:
        rows = s.execute(
            select(RunRow.run_id, RunRow.heartbeat_at, RunRow.host, RunRow.pid).where(
                RunRow.status == RunStatus.RUNNING.value
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


# -- params and tags --------------------------------------------------------
def log_params(store: Store, run_id: str, params: Mapping[str, str]) -> None:
    if not params:
        return
    with store.db.session(write=True) as s:
        row, _ = _load_run(s, run_id)
        _require_running(row, "logging params")
        existing = dict(
            s.execute(
                select(Param.key, Param.value).where(
                    Param.run_id == run_id, Param.key.in_(list(params))
                )
            ).all()
        )
        for key, value in params.items():
            if key in existing and existing[key] != value:
                raise Conflict(
                    f"param {key!r} of run {run_id[:8]} is already {existing[key]!r}; params are "
                    f"immutable, so it cannot become {value!r} (log it under another key, "
                    "or as a metric if it changes)"
                )
        new = [
            {"run_id": run_id, "key": k, "value": v} for k, v in params.items() if k not in existing
        ]
        if new:
            s.execute(insert(Param), new)


def _upsert(session: Session):
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def set_tags(store: Store, run_id: str, tags: Mapping[str, str]) -> None:
    if not tags:
        return
    with store.db.session(write=True) as s:
        _load_run(s, run_id)
        stmt = _upsert(s)(Tag).values(
            [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
        )
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=[Tag.run_id, Tag.key], set_={"value": stmt.excluded.value}
            )
        )


def delete_tag(store: Store, run_id: str, key: str) -> None:
    from sqlalchemy import delete

    with store.db.session(write=True) as s:
        _load_run(s, run_id)
        s.execute(delete(Tag).where(Tag.run_id == run_id, Tag.key == key))


# -- metrics ----------------------------------------------------------------
_METRIC_ORDER = operator.itemgetter(0, 1, 2, 3)
_METRIC_COLUMNS = "(run_id, key, step, timestamp, value, is_nan)"
# SQLite binds NaN as NULL, so the SQL itself turns a NaN into (0.0, is_nan):
# no per-point conversion in Python on the hot path.
_SQLITE_VALUES = "VALUES (?1, ?2, ?3, ?4, ifnull(?5, 0.0), ?5 IS NULL)"
_LATEST_UPSERT = (
    " ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step,"
    " timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan"
    " WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step"
    " AND excluded.timestamp >= latest_metrics.timestamp)"
)


def insert_metrics(store: Store, rows: Sequence[MetricRow]) -> None:
    """Write buffered points in one transaction and move each key's latest value.

    The hot path of batch logging: one ``executemany`` of constant SQL through
    the driver (SQLAlchemy's per-row compilation costs ~10 us a point); values
    are always bound, never formatted in.
    """
    if not rows:
        return
    run_ids = {r[0] for r in rows}
    # Sorted by run, key, step and time (stable, so ties keep their logging
    # order): each key's index entries go in as one run instead of scattering
    # across the index, and the last point of each key is its latest.
    ordered = sorted(rows, key=_METRIC_ORDER)
    latest = list({(r[0], r[1]): r for r in ordered}.values())
    with store.db.session(write=True) as s:
        found = set(s.scalars(select(RunRow.run_id).where(RunRow.run_id.in_(run_ids))))
        missing = run_ids - found
        if missing:
            raise NotFound(f"run {sorted(missing)[0]!r} does not exist")
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            values, points, last = _SQLITE_VALUES, ordered, latest
        else:
            values = "VALUES (%s, %s, %s, %s, %s, %s)"
            points, last = _with_nan_flag(ordered), _with_nan_flag(latest)
        conn.exec_driver_sql(f"INSERT INTO metrics {_METRIC_COLUMNS} {values}", points)
        conn.exec_driver_sql(
            f"INSERT INTO latest_metrics {_METRIC_COLUMNS} {values}{_LATEST_UPSERT}", last
        )


def _with_nan_flag(rows: Sequence[MetricRow]) -> list[tuple]:
    return [
        (r, k, st, ts, 0.0, True) if v != v else (r, k, st, ts, v, False)
        for (r, k, st, ts, v) in rows
    ]


def last_steps(store: Store, run_id: str) -> dict[str, int]:
    """The highest step logged so far per key (to continue a run's step counters)."""
    from sqlalchemy import func

    with store.db.session() as s:
        return dict(
            s.execute(
                select(Metric.key, func.max(Metric.step))
                .where(Metric.run_id == run_id)
                .group_by(Metric.key)
            ).all()
        )


def metric_history(store: Store, run_id: str, key: str) -> list[MetricPoint]:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        rows = s.execute(
            select(Metric.key, Metric.value, Metric.is_nan, Metric.step, Metric.timestamp)
            .where(Metric.run_id == run_id, Metric.key == key)
            .order_by(Metric.step, Metric.timestamp, Metric.id)
        ).all()
    return [MetricPoint(k, float("nan") if n else v, st, ts) for k, v, n, st, ts in rows]


def metric_keys(store: Store, run_id: str) -> list[str]:
    with store.db.session() as s:
        return list(
            s.scalars(
                select(LatestMetric.key)
                .where(LatestMetric.run_id == run_id)
                .order_by(LatestMetric.key)
            )
        )


# -- artifacts --------------------------------------------------------------
def add_artifact(
    store: Store, run_id: str, name: str, digest: str, size: int, media_type: str | None
) -> ArtifactInfo:
    return add_artifacts(store, run_id, [(name, digest, size, media_type)])[0]


def add_artifacts(
    store: Store, run_id: str, items: Sequence[tuple[str, str, int, str | None]]
) -> list[ArtifactInfo]:
    """Record (name, digest, size, media type) artifacts in one transaction: all or none."""
    now = time.time()
    out: list[ArtifactInfo] = []
    with store.db.session(write=True) as s:
        row, _ = _load_run(s, run_id)
        _require_running(row, "logging artifacts")
        for name, digest, size, media_type in items:
            existing = s.get(Artifact, (run_id, name))
            if existing is not None:
                if existing.digest != digest:
                    raise Conflict(
                        f"run {run_id[:8]} already has an artifact {name!r} with other content; "
                        "artifacts are immutable, log it under another name"
                    )
                out.append(_artifact_info(existing))
                continue
            s.execute(
                insert(Artifact).values(
                    run_id=run_id,
                    name=name,
                    digest=digest,
                    size=size,
                    media_type=media_type,
                    created_at=now,
                )
            )
            out.append(ArtifactInfo(run_id, name, digest, size, media_type, now))
    return out


def _artifact_info(a: Artifact) -> ArtifactInfo:
    return ArtifactInfo(a.run_id, a.name, a.digest, a.size, a.media_type, a.created_at)


def list_artifacts(store: Store, run_id: str) -> list[ArtifactInfo]:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        return [
            _artifact_info(a)
            for a in s.scalars(
                select(Artifact).where(Artifact.run_id == run_id).order_by(Artifact.name)
            )
        ]


def get_artifact(store: Store, run_id: str, name: str) -> ArtifactInfo:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        a = s.get(Artifact, (run_id, name))
        if a is None:
            names = s.scalars(select(Artifact.name).where(Artifact.run_id == run_id)).all()
            raise NotFound(
                f"run {run_id[:8]} has no artifact {name!r}"
                + (f"; it has: {', '.join(sorted(names))}" if names else "; it has none")
            )
        return _artifact_info(a)


# -- whole runs -------------------------------------------------------------
def get_run_data(store: Store, run_id: str) -> RunData:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        row, exp = _load_run(s, run_id)
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
        arts = [
            _artifact_info(a)
            for a in s.scalars(
                select(Artifact).where(Artifact.run_id == run_id).order_by(Artifact.name)
            )
        ]
        return RunData(
            _run_info(row, exp),
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


def iter_chunks(items: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
