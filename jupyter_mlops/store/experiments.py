"""Experiments: found or made by name, listed with their run counts.

The functions that take a session serve other store modules inside their
transaction (``runs.create_run``); those that take the ``Store`` open one each.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, insert, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from .entities import ExperimentInfo
from .schema import Experiment
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store


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
