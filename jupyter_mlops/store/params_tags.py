"""A run's params (immutable once logged) and tags (set, overwritten, deleted).

Public functions take the ``Store`` and open one managed session each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import Conflict
from .run_rows import load_run_row, require_running
from .schema import Param, Tag

if TYPE_CHECKING:
    from . import Store


def log_params(store: Store, run_id: str, params: Mapping[str, str]) -> None:
    if not params:
        return
    with store.db.session(write=True) as s:
        row, _ = load_run_row(s, run_id)
        require_running(row, "logging params")
        changed = add_params(s, run_id, params)
        if changed is not None:
            key, before, value = changed
            raise Conflict(
                f"param {key!r} of run {run_id[:8]} is already {before!r}; params are "
                f"immutable, so it cannot become {value!r} (log it under another key, "
                "or as a metric if it changes)"
            )


def add_params(
    session: Session, run_id: str, params: Mapping[str, str]
) -> tuple[str, str, str] | None:
    """Insert the params a run does not have yet, or return ``(key, old, new)`` of a changed one.

    Nothing is inserted when a param would change: the caller raises its own error.
    """
    existing = dict(
        session.execute(
            select(Param.key, Param.value).where(
                Param.run_id == run_id, Param.key.in_(list(params))
            )
        ).all()
    )
    for key, value in params.items():
        if key in existing and existing[key] != value:
            return key, existing[key], value
    new = [{"run_id": run_id, "key": k, "value": v} for k, v in params.items() if k not in existing]
    if new:
        session.execute(insert(Param), new)
    return None


def _upsert(session: Session):
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def set_tags(store: Store, run_id: str, tags: Mapping[str, str]) -> None:
    if not tags:
        return
    with store.db.session(write=True) as s:
        load_run_row(s, run_id)
        stmt = _upsert(s)(Tag).values(
            [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
        )
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=[Tag.run_id, Tag.key], set_={"value": stmt.excluded.value}
            )
        )


def delete_tag(store: Store, run_id: str, key: str) -> None:
    with store.db.session(write=True) as s:
        load_run_row(s, run_id)
        s.execute(delete(Tag).where(Tag.run_id == run_id, Tag.key == key))
