"""The ``pipelines`` table: which pipelines were promoted, where their folder is, their origin."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import get_store
from ..store.events import record_event
from ..store.runs import _load_run
from ..store.schema_pipeline import Pipeline


@dataclass(frozen=True)
class PipelineInfo:
    name: str
    path: str
    notebook_digest: str
    origin_run_id: str | None
    parameters: dict[str, Any]
    gates: list[str]
    created_at: float
    updated_at: float


def _info(row: Pipeline) -> PipelineInfo:
    spec = dict(row.spec or {})
    return PipelineInfo(
        row.name,
        row.path,
        row.notebook_digest,
        row.origin_run_id,
        dict(spec.get("parameters") or {}),
        list(spec.get("gates") or []),
        row.created_at,
        row.updated_at,
    )


def _upsert(
    session: Session, name: str, path: str, digest: str, origin: str | None, spec: dict
) -> bool:
    """Insert or update one pipeline row; True when it was new."""
    now = time.time()
    if origin is not None:
        try:
            _load_run(session, origin)
        except Exception:
            origin = None  # the origin run lives in another store: keep the id in the YAML only
    row = session.get(Pipeline, name)
    if row is None:
        session.add(
            Pipeline(
                name=name,
                path=path,
                notebook_digest=digest,
                origin_run_id=origin,
                spec=spec,
                created_at=now,
                updated_at=now,
            )
        )
        return True
    row.path, row.notebook_digest, row.origin_run_id, row.spec = path, digest, origin, spec
    row.updated_at = now
    return False


def register_pipeline(
    name: str, path: str, digest: str, origin_run_id: str | None, spec: dict, *, event: bool
) -> None:
    """Record a promoted pipeline (and a ``pipeline.promoted`` event when ``event``)."""
    with get_store().db.session(write=True) as s:
        new = _upsert(s, name, path, digest, origin_run_id, spec)
        if event:
            record_event(
                s,
                "pipeline.promoted",
                "pipeline",
                name,
                payload={"path": path, "origin_run_id": origin_run_id, "new": new},
            )


def registered_path(name: str) -> str | None:
    with get_store().db.session() as s:
        row = s.get(Pipeline, name)
        return None if row is None else row.path


def list_pipelines() -> list[PipelineInfo]:
    """Every promoted pipeline recorded in the store, by name."""
    with get_store().db.session() as s:
        return [_info(r) for r in s.scalars(select(Pipeline).order_by(Pipeline.name))]
