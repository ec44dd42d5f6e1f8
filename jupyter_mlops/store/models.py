"""Registered models, versions and aliases in the database.

Private helpers take the session; public functions open one managed session
each. Every alias move lands as a ``model.alias_moved`` (or
``model.alias_deleted``) event in the same transaction as the move.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from .entities import EventInfo
from .events import list_events, record_event
from .identity import current_user
from .schema_registry import ModelAlias, ModelVersion, RegisteredModel

if TYPE_CHECKING:
    from . import Store

ENTITY = "model"
LATEST = "latest"


@dataclass(frozen=True)
class ModelVersionInfo:
    """One registered version. ``ref`` is ``name/version``."""

    name: str
    version: int
    created_at: float
    user: str
    run_id: str | None
    source: str
    digest: str
    size: int
    format: str
    model_class: str
    signature: dict[str, Any]
    input_snapshots: tuple[int, ...]
    description: str | None
    aliases: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.name}/{self.version}"

    def __repr__(self) -> str:
        aliases = f", aliases={list(self.aliases)}" if self.aliases else ""
        run = self.run_id[:8] if self.run_id else None
        return (
            f"ModelVersionInfo({self.ref!r}, {self.format}, {self.model_class.rsplit('.', 1)[-1]}, "
            f"run={run!r}{aliases})"
        )


@dataclass(frozen=True)
class ModelInfo:
    name: str
    created_at: float
    updated_at: float
    description: str | None
    latest_version: int | None
    aliases: dict[str, int] = field(default_factory=dict)


def _version_info(row: ModelVersion, aliases: Sequence[str] = ()) -> ModelVersionInfo:
    return ModelVersionInfo(
        name=row.model,
        version=row.version,
        created_at=row.created_at,
        user=row.user,
        run_id=row.run_id,
        source=row.source,
        digest=row.artifact_digest,
        size=row.artifact_size,
        format=row.format,
        model_class=row.model_class,
        signature=dict(row.signature or {}),
        input_snapshots=tuple(int(i) for i in (row.input_snapshots or ())),
        description=row.description,
        aliases=tuple(sorted(aliases)),
    )


def _require_model(session: Session, name: str, *, lock: bool = False) -> RegisteredModel:
    stmt = select(RegisteredModel).where(RegisteredModel.name == name)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(
            f"model {name!r} does not exist; `jupyter mlops models list` shows the models"
        )
    return row


def _aliases(session: Session, name: str) -> dict[str, int]:
    rows = session.execute(
        select(ModelAlias.alias, ModelAlias.version).where(ModelAlias.model == name)
    ).all()
    return dict(sorted(rows))


def _latest_version(session: Session, name: str) -> int | None:
    return session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.model == name))


def _version_row(session: Session, name: str, version: int) -> ModelVersion:
    row = session.get(ModelVersion, (name, version))
    if row is None:
        latest = _latest_version(session, name)
        known = f"versions are 1..{latest}" if latest else "it has no versions"
        raise NotFound(f"model {name!r} has no version {version} ({known})")
    return row


def _resolve_version(
    session: Session, name: str, *, version: int | None = None, alias: str | None = None
) -> ModelVersionInfo:
    """The version a (name, version) or (name, alias) points at; ``latest`` is the newest."""
    _require_model(session, name)
    if version is None:
        if alias == LATEST:
            version = _latest_version(session, name)
            if version is None:
                raise NotFound(f"model {name!r} has no versions yet")
        else:
            version = session.scalar(
                select(ModelAlias.version).where(
                    ModelAlias.model == name, ModelAlias.alias == alias
                )
            )
            if version is None:
                have = ", ".join(_aliases(session, name)) or "none"
                raise NotFound(f"model {name!r} has no alias {alias!r} (aliases: {have})")
    row = _version_row(session, name, version)
    aliases = [a for a, v in _aliases(session, name).items() if v == version]
    return _version_info(row, aliases)


def get_version(
    store: Store, name: str, *, version: int | None = None, alias: str | None = None
) -> ModelVersionInfo:
    with store.db.session() as s:
        return _resolve_version(s, name, version=version, alias=alias)


def alias_version(store: Store, name: str, alias: str) -> int | None:
    """The version an alias points at now (one primary-key read; used by the server per request)."""
    with store.db.session() as s:
        if alias == LATEST:
            return _latest_version(s, name)
        return s.scalar(
            select(ModelAlias.version).where(ModelAlias.model == name, ModelAlias.alias == alias)
        )


def _ensure_model(session: Session, name: str, description: str | None, now: float) -> None:
    if session.get(RegisteredModel, name) is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(RegisteredModel).values(
                        name=name, created_at=now, updated_at=now, description=description
                    )
                )
        except IntegrityError:
            pass  # created by a concurrent registration


def create_version(
    store: Store,
    name: str,
    *,
    run_id: str | None,
    source: str,
    digest: str,
    size: int,
    format: str,
    model_class: str,
    signature: dict[str, Any],
    input_snapshots: Sequence[int],
    description: str | None,
) -> ModelVersionInfo:
    """Version N+1 of ``name`` (the model is created on first registration), with its event."""
    now = time.time()
    user = current_user()
    with store.db.session(write=True) as s:
        _ensure_model(s, name, None, now)
        _require_model(s, name, lock=True)  # serialises version numbering on PostgreSQL
        version = (_latest_version(s, name) or 0) + 1
        s.execute(
            insert(ModelVersion).values(
                model=name,
                version=version,
                created_at=now,
                user=user,
                run_id=run_id,
                source=source,
                artifact_digest=digest,
                artifact_size=size,
                format=format,
                model_class=model_class,
                signature=signature,
                input_snapshots=list(input_snapshots),
                description=description,
            )
        )
        s.execute(
            update(RegisteredModel).where(RegisteredModel.name == name).values(updated_at=now)
        )
        record_event(
            s,
            "model.registered",
            ENTITY,
            name,
            reason=description,
            user=user,
            timestamp=now,
            payload={"version": version, "run_id": run_id, "digest": digest, "format": format},
        )
        return _version_info(s.get(ModelVersion, (name, version)))


def list_models(store: Store) -> list[ModelInfo]:
    with store.db.session() as s:
        latest = dict(
            s.execute(
                select(ModelVersion.model, func.max(ModelVersion.version)).group_by(
                    ModelVersion.model
                )
            ).all()
        )
        aliases: dict[str, dict[str, int]] = {}
        for model, alias, version in s.execute(
            select(ModelAlias.model, ModelAlias.alias, ModelAlias.version).order_by(
                ModelAlias.alias
            )
        ):
            aliases.setdefault(model, {})[alias] = version
        return [
            ModelInfo(
                m.name,
                m.created_at,
                m.updated_at,
                m.description,
                latest.get(m.name),
                aliases.get(m.name, {}),
            )
            for m in s.scalars(select(RegisteredModel).order_by(RegisteredModel.name))
        ]


def get_model(store: Store, name: str) -> ModelInfo:
    with store.db.session() as s:
        m = _require_model(s, name)
        return ModelInfo(
            m.name,
            m.created_at,
            m.updated_at,
            m.description,
            _latest_version(s, name),
            _aliases(s, name),
        )


def list_versions(store: Store, name: str) -> list[ModelVersionInfo]:
    with store.db.session() as s:
        _require_model(s, name)
        by_version: dict[int, list[str]] = {}
        for alias, version in _aliases(s, name).items():
            by_version.setdefault(version, []).append(alias)
        rows = s.scalars(
            select(ModelVersion).where(ModelVersion.model == name).order_by(ModelVersion.version)
        )
        return [_version_info(r, by_version.get(r.version, ())) for r in rows]


def versions_of_run(store: Store, run_id: str) -> list[ModelVersionInfo]:
    with store.db.session() as s:
        rows = s.scalars(
            select(ModelVersion)
            .where(ModelVersion.run_id == run_id)
            .order_by(ModelVersion.model, ModelVersion.version)
        )
        return [_version_info(r) for r in rows]


def set_description(store: Store, name: str, description: str | None) -> None:
    with store.db.session(write=True) as s:
        _require_model(s, name, lock=True)
        s.execute(
            update(RegisteredModel)
            .where(RegisteredModel.name == name)
            .values(description=description, updated_at=time.time())
        )


# -- aliases ----------------------------------------------------------------------
def _move_alias(
    session: Session,
    name: str,
    alias: str,
    version: int,
    *,
    reason: str | None,
    expect_from: int | type[Ellipsis] | None = ...,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Point ``alias`` at ``version`` and record the move; returns the version it pointed at before.

    ``expect_from`` (when given) is the version the caller saw: if the alias moved
    since, the move is refused (compare-and-set), so two promotions cannot race.
    """
    _require_model(session, name, lock=True)
    _version_row(session, name, version)
    current = session.get(ModelAlias, (name, alias))
    before = None if current is None else current.version
    if expect_from is not ... and before != expect_from:
        raise Conflict(
            f"alias {name}@{alias} moved to version {before} while this was being decided "
            f"(expected {expect_from}); try again"
        )
    now = time.time()
    user = current_user()
    if current is None:
        session.execute(
            insert(ModelAlias).values(
                model=name, alias=alias, version=version, updated_at=now, user=user
            )
        )
    else:
        session.execute(
            update(ModelAlias)
            .where(ModelAlias.model == name, ModelAlias.alias == alias)
            .values(version=version, updated_at=now, user=user)
        )
    record_event(
        session,
        "model.alias_moved",
        ENTITY,
        name,
        reason=reason,
        user=user,
        timestamp=now,
        payload={"alias": alias, "from_version": before, "to_version": version, **(payload or {})},
    )
    return before


def set_alias(
    store: Store, name: str, alias: str, version: int, *, reason: str | None
) -> int | None:
    with store.db.session(write=True) as s:
        return _move_alias(s, name, alias, version, reason=reason, payload={"via": "set_alias"})


def move_alias(
    store: Store,
    name: str,
    alias: str,
    version: int,
    *,
    reason: str | None,
    expect_from: int | type[Ellipsis] | None = ...,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Move ``alias`` to ``version`` in one transaction (compare-and-set with ``expect_from``)."""
    with store.db.session(write=True) as s:
        return _move_alias(
            s, name, alias, version, reason=reason, expect_from=expect_from, payload=payload
        )


def record_refusal(store: Store, name: str, *, reason: str | None, payload: dict[str, Any]) -> None:
    """Record that a promotion of ``name`` was refused by its gates (nothing moves)."""
    with store.db.session(write=True) as s:
        record_event(s, "model.promotion_refused", ENTITY, name, reason=reason, payload=payload)


def delete_alias(store: Store, name: str, alias: str, *, reason: str | None) -> int:
    """Remove an alias; returns the version it pointed at."""
    with store.db.session(write=True) as s:
        _require_model(s, name, lock=True)
        current = s.get(ModelAlias, (name, alias))
        if current is None:
            have = ", ".join(_aliases(s, name)) or "none"
            raise NotFound(f"model {name!r} has no alias {alias!r} (aliases: {have})")
        before = current.version
        s.execute(delete(ModelAlias).where(ModelAlias.model == name, ModelAlias.alias == alias))
        record_event(
            s,
            "model.alias_deleted",
            ENTITY,
            name,
            reason=reason,
            payload={"alias": alias, "from_version": before, "to_version": None},
        )
        return before


def alias_history(store: Store, name: str, alias: str | None = None) -> list[EventInfo]:
    """Alias moves and deletions of a model, newest first."""
    with store.db.session() as s:
        _require_model(s, name)
        events = list_events(s, entity_type=ENTITY, entity_id=name, kind="model.alias_*")
    if alias is not None:
        events = [e for e in events if e.payload.get("alias") == alias]
    return events
