"""Registry changes MLflow's API asks for beyond registering and moving aliases.

Creating an empty model, deleting a model or a version, and editing a version's
description; each in one transaction with its event.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from .events import record_event
from .models import ENTITY
from .schema_registry import ModelAlias, ModelVersion, RegisteredModel

if TYPE_CHECKING:
    from . import Store


def _require_model(session: Session, name: str, *, lock: bool = False) -> None:
    stmt = select(RegisteredModel.name).where(RegisteredModel.name == name)
    if session.scalar(stmt.with_for_update() if lock else stmt) is None:
        raise NotFound(f"model {name!r} does not exist")


def _version_row(session: Session, name: str, version: int) -> None:
    if session.get(ModelVersion, (name, version)) is None:
        raise NotFound(f"model {name!r} has no version {version}")


def create_model(store: Store, name: str, description: str | None) -> None:
    """A model with no versions yet; Conflict when the name is taken."""
    now = time.time()
    with store.db.session(write=True) as s:
        if s.get(RegisteredModel, name) is not None:
            raise Conflict(f"model {name!r} already exists")
        s.execute(
            insert(RegisteredModel).values(
                name=name, created_at=now, updated_at=now, description=description
            )
        )
        record_event(s, "model.created", ENTITY, name, reason=description, timestamp=now)


def delete_model(store: Store, name: str) -> None:
    """The model, every version and every alias (the events stay: they are the history)."""
    with store.db.session(write=True) as s:
        _require_model(s, name, lock=True)
        versions = s.scalars(select(ModelVersion.version).where(ModelVersion.model == name)).all()
        s.execute(delete(ModelAlias).where(ModelAlias.model == name))
        s.execute(delete(ModelVersion).where(ModelVersion.model == name))
        s.execute(delete(RegisteredModel).where(RegisteredModel.name == name))
        record_event(s, "model.deleted", ENTITY, name, payload={"versions": sorted(versions)})


def delete_version(store: Store, name: str, version: int) -> list[str]:
    """One version and the aliases that pointed at it; returns those aliases."""
    with store.db.session(write=True) as s:
        _require_model(s, name, lock=True)
        _version_row(s, name, version)
        aliases = s.scalars(
            select(ModelAlias.alias).where(ModelAlias.model == name, ModelAlias.version == version)
        ).all()
        s.execute(delete(ModelAlias).where(ModelAlias.model == name, ModelAlias.version == version))
        s.execute(
            delete(ModelVersion).where(ModelVersion.model == name, ModelVersion.version == version)
        )
        record_event(
            s,
            "model.version_deleted",
            ENTITY,
            name,
            payload={"version": version, "aliases": sorted(aliases)},
        )
        return sorted(aliases)


def set_version_description(store: Store, name: str, version: int, description: str | None) -> None:
    with store.db.session(write=True) as s:
        _require_model(s, name, lock=True)
        _version_row(s, name, version)
        s.execute(
            update(ModelVersion)
            .where(ModelVersion.model == name, ModelVersion.version == version)
            .values(description=description)
        )
