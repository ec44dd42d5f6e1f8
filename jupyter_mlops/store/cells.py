"""Executed cells of runs and attempts of the same cell, in the database.

Public functions open one managed session each; private helpers take the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select

from .entities import RunInfo
from .run_rows import load_run_row, resolve_run_id, run_info_of
from .schema import Experiment, Tag
from .schema import Run as RunRow
from .schema_capture import RunCell

if TYPE_CHECKING:
    from . import Store

ATTEMPT_KEY_TAG = "mlops.attempt_key"


@dataclass(frozen=True)
class CellRecord:
    """One executed cell as stored: ``phase`` is ``before`` (ran before the run opened) or ``run``."""

    run_id: str
    seq: int
    phase: str
    execution_count: int | None
    cell_id: str | None
    source: str
    started_at: float | None
    duration: float | None
    error: str | None


def _next_seq(session, run_id: str) -> int:
    current = session.scalar(select(func.max(RunCell.seq)).where(RunCell.run_id == run_id))
    return 0 if current is None else current + 1


def add_cells(store: Store, run_id: str, cells: Sequence[CellRecord]) -> int:
    """Append cells to a run (their ``seq`` and ``run_id`` are reassigned); returns how many."""
    if not cells:
        return 0
    with store.db.session(write=True) as s:
        load_run_row(s, run_id)
        seq = _next_seq(s, run_id)
        s.execute(
            insert(RunCell),
            [
                {
                    "run_id": run_id,
                    "seq": seq + i,
                    "phase": c.phase,
                    "execution_count": c.execution_count,
                    "cell_id": c.cell_id,
                    "source": c.source,
                    "started_at": c.started_at,
                    "duration": c.duration,
                    "error": c.error,
                }
                for i, c in enumerate(cells)
            ],
        )
    return len(cells)


def list_cells(store: Store, run_id: str) -> list[CellRecord]:
    """The cells of a run in the order they ran (a unique id prefix works)."""
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        rows = s.scalars(select(RunCell).where(RunCell.run_id == run_id).order_by(RunCell.seq))
        return [
            CellRecord(
                r.run_id,
                r.seq,
                r.phase,
                r.execution_count,
                r.cell_id,
                r.source,
                r.started_at,
                r.duration,
                r.error,
            )
            for r in rows
        ]


def count_cells(store: Store, run_id: str) -> int:
    with store.db.session() as s:
        return int(
            s.scalar(select(func.count()).select_from(RunCell).where(RunCell.run_id == run_id)) or 0
        )


def attempt_runs(store: Store, key: str) -> list[RunInfo]:
    """Every run tagged as an attempt of ``key``, oldest first."""
    with store.db.session() as s:
        rows = s.execute(
            select(RunRow, Experiment.name)
            .join(Experiment, Experiment.experiment_id == RunRow.experiment_id)
            .join(Tag, Tag.run_id == RunRow.run_id)
            .where(Tag.key == ATTEMPT_KEY_TAG, Tag.value == key)
            .order_by(RunRow.start_time, RunRow.run_id)
        ).all()
        return [run_info_of(row, exp) for row, exp in rows]


def attempt_key_of(store: Store, run_id: str) -> tuple[str, str | None]:
    """(full run id, its attempt key or None)."""
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        key = s.scalar(select(Tag.value).where(Tag.run_id == run_id, Tag.key == ATTEMPT_KEY_TAG))
        return run_id, key
