"""A run's lifecycle beyond its status: soft deletion and restoring (``gc.py`` purges).

Deleting a run deletes its child runs with it; each change is an event.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidArgument
from .db import iter_chunks
from .entities import RunStatus
from .events import record_event
from .run_rows import resolve_run_id
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store

ACTIVE, DELETED = "active", "deleted"


def _with_descendants(session: Session, roots: Sequence[str]) -> list[str]:
    found, frontier = list(dict.fromkeys(roots)), list(dict.fromkeys(roots))
    seen = set(found)
    while frontier:
        nxt = []
        for chunk in iter_chunks(frontier):
            for rid in session.scalars(
                select(RunRow.run_id).where(RunRow.parent_run_id.in_(chunk))
            ):
                if rid not in seen:
                    seen.add(rid)
                    nxt.append(rid)
        found += nxt
        frontier = nxt
    return found


def set_lifecycle(
    store: Store, run_refs: Sequence[str], *, deleted: bool, reason: str | None = None
) -> list[str]:
    """Delete (or restore) runs and their child runs; the ids whose state changed.

    A RUNNING run cannot be deleted (end it first). Each change is an event.
    """
    if isinstance(run_refs, str) or not run_refs:
        raise InvalidArgument("run_ids", "one or more run ids (or unique prefixes)", run_refs)
    target = DELETED if deleted else ACTIVE
    now = time.time()
    with store.db.session(write=True) as s:
        ids = _with_descendants(s, [resolve_run_id(s, ref) for ref in run_refs])
        changed: list[str] = []
        for chunk in iter_chunks(ids):
            rows = s.execute(
                select(RunRow.run_id, RunRow.status).where(
                    RunRow.run_id.in_(chunk), RunRow.lifecycle != target
                )
            ).all()
            running = [rid for rid, status in rows if status == RunStatus.RUNNING.value]
            if deleted and running:
                raise Conflict(
                    f"run {running[0][:8]} is RUNNING; end it (or wait for it) before deleting it"
                )
            changed += [rid for rid, _ in rows]
        for chunk in iter_chunks(changed):
            s.execute(
                update(RunRow)
                .where(RunRow.run_id.in_(chunk))
                .values(lifecycle=target, deleted_at=now if deleted else None)
            )
        kind = "run.deleted" if deleted else "run.restored"
        for rid in changed:
            record_event(s, kind, "run", rid, reason=reason)
        return changed


def latest_run_of_process(
    store: Store, host: str, pid: int, since: float
) -> tuple[str, float] | None:
    """(id, time) of the run this process (``host``, ``pid``, alive since ``since``) last
    started or ended: the time is its end, or its start while it is open."""
    when = func.coalesce(RunRow.end_time, RunRow.start_time)
    with store.db.session() as s:
        row = s.execute(
            select(RunRow.run_id, when)
            .where(
                RunRow.host == host,
                RunRow.pid == pid,
                RunRow.start_time >= since,
                RunRow.lifecycle == ACTIVE,
            )
            .order_by(when.desc(), RunRow.start_time.desc())
            .limit(1)
        ).first()
    return None if row is None else (row[0], float(row[1]))
