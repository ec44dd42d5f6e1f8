"""Experiments by id: created with tags, renamed, deleted and restored, searched (MLflow's API).

A deleted experiment keeps its runs; it is hidden from ``search_experiments``
unless asked for, and takes no new runs until restored. Public functions take
the ``Store`` and own their transaction.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import Conflict, NotFound
from .events import record_event
from .schema import Experiment
from .schema_mlflow import ExperimentTag

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from . import Store


@dataclass(frozen=True)
class ExperimentDetail:
    experiment_id: int
    name: str
    created_at: float
    lifecycle: str
    deleted_at: float | None
    tags: dict[str, str] = field(default_factory=dict)


def _detail(s: Session, row: Experiment) -> ExperimentDetail:
    tags = dict(
        s.execute(
            select(ExperimentTag.key, ExperimentTag.value).where(
                ExperimentTag.experiment_id == row.experiment_id
            )
        ).all()
    )
    return ExperimentDetail(
        row.experiment_id, row.name, row.created_at, row.lifecycle, row.deleted_at, tags
    )


def _row(s: Session, experiment_id: int | None = None, name: str | None = None) -> Experiment:
    if name is not None:
        row = s.scalars(select(Experiment).where(Experiment.name == name)).first()
        what = f"experiment named {name!r}"
    else:
        row = s.get(Experiment, experiment_id)
        what = f"experiment with id {experiment_id}"
    if row is None:
        raise NotFound(f"No {what} exists")
    return row


def create_experiment(store: Store, name: str, tags: Mapping[str, str]) -> ExperimentDetail:
    with store.db.session(write=True) as s:
        if s.scalars(select(Experiment.experiment_id).where(Experiment.name == name)).first():
            raise Conflict(f"Experiment '{name}' already exists.")
        exp_id = s.execute(
            insert(Experiment).values(name=name, created_at=time.time(), lifecycle="active")
        ).inserted_primary_key[0]
        if tags:
            _set_tags(s, exp_id, tags)
        record_event(s, "experiment.created", "experiment", str(exp_id), payload={"name": name})
        return _detail(s, _row(s, exp_id))


def get_or_create(store: Store, name: str) -> ExperimentDetail:
    with store.db.session(write=True) as s:
        row = s.scalars(select(Experiment).where(Experiment.name == name)).first()
        if row is None:
            exp_id = s.execute(
                insert(Experiment).values(name=name, created_at=time.time(), lifecycle="active")
            ).inserted_primary_key[0]
            row = _row(s, exp_id)
        return _detail(s, row)


def get_experiment(
    store: Store, experiment_id: int | None = None, name: str | None = None
) -> ExperimentDetail:
    with store.db.session() as s:
        return _detail(s, _row(s, experiment_id, name))


def update_experiment(
    store: Store,
    experiment_id: int,
    *,
    name: str | None = None,
    deleted: bool | None = None,
    tags: Mapping[str, str] | None = None,
) -> ExperimentDetail:
    """Rename, delete/restore or tag one experiment, with an event for each lifecycle move."""
    with store.db.session(write=True) as s:
        row = _row(s, experiment_id)
        values: dict[str, Any] = {}
        if name is not None and name != row.name:
            if s.scalars(select(Experiment.experiment_id).where(Experiment.name == name)).first():
                raise Conflict(f"Experiment '{name}' already exists.")
            values["name"] = name
        if deleted is not None:
            target = "deleted" if deleted else "active"
            if deleted and row.lifecycle == "deleted":
                raise Conflict(f"Experiment {experiment_id} is already deleted.")
            if not deleted and row.lifecycle == "active":
                raise Conflict(f"Cannot restore an active experiment ({experiment_id}).")
            values.update(lifecycle=target, deleted_at=time.time() if deleted else None)
            kind = "experiment.deleted" if deleted else "experiment.restored"
            record_event(s, kind, "experiment", str(experiment_id))
        if values:
            s.execute(
                update(Experiment).where(Experiment.experiment_id == experiment_id).values(**values)
            )
        if tags:
            _set_tags(s, experiment_id, tags)
        return _detail(s, _row(s, experiment_id))


def _set_tags(s: Session, experiment_id: int, tags: Mapping[str, str]) -> None:
    dialect = postgresql if s.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ExperimentTag).values(
        [{"experiment_id": experiment_id, "key": k, "value": v} for k, v in tags.items()]
    )
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=[ExperimentTag.experiment_id, ExperimentTag.key],
            set_={"value": stmt.excluded.value},
        )
    )


_OPS = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "LIKE": lambda c, v: c.like(v),
    "ILIKE": lambda c, v: func.lower(c).like(func.lower(v)),
}


def search_experiments(
    store: Store,
    *,
    lifecycles: Sequence[str],
    name_conditions: Sequence[tuple[str, str]] = (),
    tag_conditions: Sequence[tuple[str, str, str]] = (),
    descending_time: bool = False,
    limit: int,
    offset: int,
) -> list[ExperimentDetail]:
    """Experiments in ``lifecycles`` matching every (op, value) on the name and tags."""
    with store.db.session() as s:
        stmt = select(Experiment).where(Experiment.lifecycle.in_(list(lifecycles)))
        for op, value in name_conditions:
            stmt = stmt.where(_OPS[op](Experiment.name, value))
        for key, op, value in tag_conditions:
            tagged = select(ExperimentTag.experiment_id).where(
                ExperimentTag.key == key, _OPS[op](ExperimentTag.value, value)
            )
            stmt = stmt.where(Experiment.experiment_id.in_(tagged))
        order = Experiment.created_at.desc() if descending_time else Experiment.created_at
        stmt = stmt.order_by(order, Experiment.experiment_id).offset(offset).limit(limit)
        return [_detail(s, row) for row in s.scalars(stmt).all()]
