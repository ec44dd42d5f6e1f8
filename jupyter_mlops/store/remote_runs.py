"""Runs driven by id from a remote client (MLflow's REST API), not by a live ``Run`` object.

Such a run belongs to no process here: its host is ``mlflow-client``, so the
reaper never takes it for a dead local process, and every write moves its
heartbeat. Unlike a live run it accepts params, tags and metrics after it
ended (as MLflow does); a deleted run accepts nothing. Public functions take
the ``Store`` and own their transaction.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import Conflict, NotFound
from .entities import MetricPoint, RunInfo, RunStatus
from .events import record_event
from .metrics import history_points
from .params_tags import add_params
from .run_rows import load_run_row, run_info_of
from .schema import Experiment, LatestMetric, Param, Tag
from .schema import Run as RunRow
from .schema_data import RunInput, Snapshot
from .search import page_of_ids

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..tracking.filters import RunQuery
    from . import Store

REMOTE_HOST = "mlflow-client"


def create_run(
    store: Store,
    *,
    experiment_id: int,
    name: str | None,
    user: str,
    start_time: float,
    tags: Mapping[str, str],
    source_path: str | None,
    parent_run_id: str | None = None,
) -> RunInfo:
    run_id = uuid.uuid4().hex
    with store.db.session(write=True) as s:
        exp = s.get(Experiment, experiment_id)
        if exp is None or exp.lifecycle != "active":
            raise NotFound(f"experiment {experiment_id} does not exist or is deleted")
        if parent_run_id is not None and s.get(RunRow, parent_run_id) is None:
            parent_run_id = None  # MLflow keeps the tag even when the parent is elsewhere
        s.execute(
            insert(RunRow).values(
                run_id=run_id,
                experiment_id=experiment_id,
                name=name or f"run-{run_id[:8]}",
                status=RunStatus.RUNNING.value,
                start_time=start_time,
                heartbeat_at=time.time(),
                user=user,
                host=REMOTE_HOST,
                pid=0,
                source_type="mlflow",
                source_path=source_path,
                parent_run_id=parent_run_id,
                context={"client": "mlflow"},
            )
        )
        if tags:
            s.execute(
                insert(Tag), [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
            )
        record_event(s, "run.started", "run", run_id, payload={"experiment": exp.name}, user=user)
        row, exp_name = load_run_row(s, run_id)
        return run_info_of(row, exp_name)


def _writable(s: Session, run_id: str) -> RunRow:
    row = s.get(RunRow, run_id)
    if row is None:
        raise NotFound(f"run {run_id!r} does not exist")
    if row.lifecycle != "active":
        raise Conflict(f"run {run_id} is deleted; restore it before writing to it")
    return row


def update_run(
    store: Store,
    run_id: str,
    *,
    status: RunStatus | None,
    end_time: float | None,
    name: str | None,
) -> RunInfo:
    """Rename a run and/or move its status (a terminal status records the end and an event)."""
    with store.db.session(write=True) as s:
        row = _writable(s, run_id)
        values: dict[str, Any] = {"heartbeat_at": time.time()}
        if name:
            values["name"] = name
        if status is not None and status.value != row.status:
            values["status"] = status.value
            values["end_time"] = (end_time or time.time()) if status.terminal else None
            record_event(s, f"run.{status.value.lower()}", "run", run_id, user=row.user)
        elif end_time is not None:
            values["end_time"] = end_time
        s.execute(update(RunRow).where(RunRow.run_id == run_id).values(**values))
        row, exp = load_run_row(s, run_id)
        return run_info_of(row, exp)


def write_params_tags(
    store: Store, run_id: str, params: Mapping[str, str], tags: Mapping[str, str]
) -> None:
    """Params (immutable: a changed value is a ``Conflict``) and tags (overwritten), at once."""
    with store.db.session(write=True) as s:
        _writable(s, run_id)
        changed = add_params(s, run_id, params) if params else None
        if changed is not None:
            key, before, value = changed
            raise Conflict(
                f"Changing param values is not allowed. Param with key='{key}' was "
                f"already logged with value='{before}' for run ID='{run_id}'. "
                f"Attempted logging new value '{value}'."
            )
        if tags:
            _upsert_tags(s, run_id, tags)
        s.execute(update(RunRow).where(RunRow.run_id == run_id).values(heartbeat_at=time.time()))


def _upsert_tags(s: Session, run_id: str, tags: Mapping[str, str]) -> None:
    dialect = postgresql if s.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Tag).values(
        [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
    )
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=[Tag.run_id, Tag.key], set_={"value": stmt.excluded.value}
        )
    )


def delete_tag(store: Store, run_id: str, key: str) -> None:
    """Remove one tag; a key the run does not have is a ``NotFound``."""
    with store.db.session(write=True) as s:
        _writable(s, run_id)
        gone = s.execute(delete(Tag).where(Tag.run_id == run_id, Tag.key == key)).rowcount
        if not gone:
            raise NotFound(f"No tag with name: {key} in run with id {run_id}")


def check_writable(store: Store, run_id: str) -> None:
    with store.db.session() as s:
        _writable(s, run_id)


def metric_page(store: Store, run_id: str, key: str, limit: int, offset: int) -> list[MetricPoint]:
    """One page of a metric's history, in step then time order."""
    with store.db.session() as s:
        if s.get(RunRow, run_id) is None:
            raise NotFound(f"run {run_id!r} does not exist")
        page = history_points(s, run_id, key, offset, offset + limit)
    return [MetricPoint(key, v, st, ts) for st, ts, v in page]


def run_details(store: Store, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each run's info, params, tags and latest metric points (with step and time)."""
    out: dict[str, dict[str, Any]] = {}
    with store.db.session() as s:
        ids = list(dict.fromkeys(run_ids))
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            _fill(s, out, lambda col, chunk=chunk: col.in_(chunk))
    missing = [r for r in run_ids if r not in out]
    if missing:
        raise NotFound(f"run {missing[0]!r} does not exist")
    return out


def search_details(store: Store, query: RunQuery) -> list[dict[str, Any]]:
    """``run_details`` of ``search_runs``'s page, in its order: the page query nested in each
    read (no per-run query, no list of ids sent back to the database)."""
    out: dict[str, dict[str, Any]] = {}
    with store.db.session() as s:
        page = page_of_ids(s, query)
        ids = list(s.scalars(page))
        if ids:
            nested = select(page.subquery().c.run_id)
            _fill(s, out, lambda col: col.in_(nested))
    return [out[i] for i in ids]


def _fill(s: Session, out: dict[str, dict[str, Any]], ids: Any) -> None:
    """Rows (core rows, not ORM objects: a thousand runs a page) of the runs ``ids(col)`` selects."""
    runs = RunRow.__table__
    for row in s.execute(
        select(runs, Experiment.name.label("experiment_name"))
        .join(Experiment, Experiment.experiment_id == runs.c.experiment_id)
        .where(ids(runs.c.run_id))
    ):
        out[row.run_id] = {
            "info": run_info_of(row, row.experiment_name),
            "params": {},
            "tags": {},
            "metrics": [],
        }
    for rid, k, v in s.execute(
        select(Param.run_id, Param.key, Param.value).where(ids(Param.run_id))
    ):
        out[rid]["params"][k] = v
    for rid, k, v in s.execute(select(Tag.run_id, Tag.key, Tag.value).where(ids(Tag.run_id))):
        out[rid]["tags"][k] = v
    latest = LatestMetric
    for rid, k, v, nan, st, ts in s.execute(
        select(
            latest.run_id, latest.key, latest.value, latest.is_nan, latest.step, latest.timestamp
        ).where(ids(latest.run_id))
    ):
        out[rid]["metrics"].append(MetricPoint(k, float("nan") if nan else v, st, ts))


def snapshots_shaped(store: Store, shapes: set[tuple[int, int]]) -> list[dict[str, Any]]:
    """Snapshots of these (columns, rows) shapes: id, ref, name, version, fingerprint, schema."""
    cond = or_(*(and_(Snapshot.n_columns == c, Snapshot.n_rows == r) for c, r in shapes))
    cols = (Snapshot.id, Snapshot.name, Snapshot.version, Snapshot.fingerprint, Snapshot.schema)
    cols += (Snapshot.n_rows,)
    with store.db.session() as s:
        rows = s.execute(select(*cols).where(cond)).all()
    return [
        {
            "id": i,
            "ref": f"{name}@{version}",
            "name": name,
            "version": version,
            "fingerprint": fp,
            "schema": schema,
            "n_rows": n,
        }
        for i, name, version, fp, schema, n in rows
    ]


def write_inputs(
    store: Store, run_id: str, records: Sequence[Mapping[str, Any]], snapshot_ids: Sequence[int]
) -> None:
    """Add dataset records to ``context["mlflow_inputs"]`` (once each) and link the snapshots, at once."""
    with store.db.session(write=True) as s:
        row = _writable(s, run_id)
        context = dict(row.context or {})
        kept = list(context.get("mlflow_inputs", []))
        seen = {(r["name"], r["digest"], json.dumps(r.get("tags"), sort_keys=True)) for r in kept}
        for rec in records:
            key = (rec["name"], rec["digest"], json.dumps(rec.get("tags"), sort_keys=True))
            if key not in seen:
                seen.add(key)
                kept.append(dict(rec))
        context["mlflow_inputs"] = kept
        now = time.time()
        s.execute(
            update(RunRow).where(RunRow.run_id == run_id).values(context=context, heartbeat_at=now)
        )
        linked = set(
            s.scalars(
                select(RunInput.snapshot_id).where(
                    RunInput.run_id == run_id, RunInput.snapshot_id.in_(list(snapshot_ids))
                )
            )
        )
        new = [i for i in dict.fromkeys(snapshot_ids) if i not in linked]
        if new:
            s.execute(
                insert(RunInput),
                [
                    {"run_id": run_id, "snapshot_id": i, "role": "input", "created_at": now}
                    for i in new
                ],
            )
