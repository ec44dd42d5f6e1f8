"""Experiments: found or made by name, listed with their run counts.

Private helpers take the session; public functions open one managed session each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select

from .schema import Experiment
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store


def experiment_summaries(store: Store) -> list[dict[str, Any]]:
    """Each experiment with its run counts (top-level and all, deleted runs left out)."""
    top = func.sum(case((RunRow.parent_run_id.is_(None), 1), else_=0))
    with store.db.session() as s:
        rows = s.execute(
            select(
                Experiment.name,
                Experiment.created_at,
                Experiment.description,
                func.count(RunRow.run_id),
                top,
                func.max(RunRow.start_time),
            )
            .outerjoin(
                RunRow,
                and_(
                    RunRow.experiment_id == Experiment.experiment_id,
                    RunRow.lifecycle == "active",
                ),
            )
            .group_by(Experiment.experiment_id, Experiment.name)
            .order_by(Experiment.name)
        ).all()
    return [
        {
            "name": name,
            "created_at": created,
            "description": description,
            "runs": int(top_level or 0),
            "all_runs": int(total or 0),
            "last_run_at": last,
        }
        for name, created, description, total, top_level, last in rows
    ]
