"""Promoted pipelines, the cache of their successful runs, and the runs a notebook opened.

Public functions take the ``Store`` and open one managed session each; private
helpers take the session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .entities import RunInfo, RunStatus
from .events import record_event
from .lifecycle import DELETED
from .run_rows import load_run_row, resolve_run_id, run_info_of
from .schema import Experiment
from .schema import Run as RunRow
from .schema_pipeline import Pipeline, PipelineCache

if TYPE_CHECKING:
    from . import Store


@dataclass(frozen=True)
class PipelineInfo:
    """A promoted pipeline as the store records it (its folder holds the full ``pipeline.yaml``)."""

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
    if origin is not None and session.get(RunRow, origin) is None:
        origin = None  # the origin run lives in another store: the id stays in the YAML only
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
    store: Store,
    name: str,
    path: str,
    digest: str,
    origin_run_id: str | None,
    spec: dict,
    *,
    event: bool,
) -> None:
    """Record a promoted pipeline (and a ``pipeline.promoted`` event when ``event``)."""
    with store.db.session(write=True) as s:
        new = _upsert(s, name, path, digest, origin_run_id, spec)
        if event:
            record_event(
                s,
                "pipeline.promoted",
                "pipeline",
                name,
                payload={"path": path, "origin_run_id": origin_run_id, "new": new},
            )


def registered_path(store: Store, name: str) -> str | None:
    """The folder recorded for pipeline ``name``, or None."""
    with store.db.session() as s:
        row = s.get(Pipeline, name)
        return None if row is None else row.path


def list_pipelines(store: Store) -> list[PipelineInfo]:
    """Every promoted pipeline recorded in the store, by name."""
    with store.db.session() as s:
        return [_info(r) for r in s.scalars(select(Pipeline).order_by(Pipeline.name))]


# -- the run cache ------------------------------------------------------------
def cached_run(store: Store, key: str) -> str | None:
    """The id of a FINISHED run recorded under ``key`` that is not deleted, or None."""
    with store.db.session() as s:
        row = s.execute(
            select(PipelineCache.run_id, RunRow.status, RunRow.lifecycle)
            .join(RunRow, RunRow.run_id == PipelineCache.run_id)
            .where(PipelineCache.key == key)
        ).first()
    if row is None or row[1] != RunStatus.FINISHED.value or row[2] == DELETED:
        return None
    return row[0]


def cache_run(store: Store, key: str, pipeline: str, run_id: str) -> None:
    """Remember ``run_id`` as the successful run for ``key`` (replacing an older one)."""
    with store.db.session(write=True) as s:
        s.execute(delete(PipelineCache).where(PipelineCache.key == key))
        s.add(PipelineCache(key=key, pipeline=pipeline, run_id=run_id, created_at=time.time()))


def forget_cached_runs(store: Store, pipeline: str) -> int:
    """Drop every cached run of ``pipeline``; returns how many were dropped."""
    with store.db.session(write=True) as s:
        result = s.execute(delete(PipelineCache).where(PipelineCache.pipeline == pipeline))
        return result.rowcount or 0


# -- the runs a notebook opened -----------------------------------------------
def notebook_session_runs(
    store: Store, notebook: str, run: str | None = None
) -> tuple[RunInfo | None, list[RunInfo]]:
    """``(chosen, session)``: a run of ``notebook`` and the top-level runs its kernel opened.

    ``chosen`` is ``run`` (an id or unique prefix) or, without it, the newest
    top-level run whose source is ``notebook``; None when there is none.
    ``session`` holds the top-level runs of ``notebook`` from the same host and
    process as ``chosen``, oldest first (empty when ``chosen`` is not one of them).
    """
    with store.db.session() as s:
        top_level = (RunRow.source_path == notebook, RunRow.parent_run_id.is_(None))
        if run:
            row, experiment = load_run_row(s, resolve_run_id(s, run))
            chosen = run_info_of(row, experiment)
        else:
            found = s.execute(
                _with_experiment()
                .where(*top_level)
                .order_by(RunRow.start_time.desc(), RunRow.run_id.desc())
                .limit(1)
            ).first()
            if found is None:
                return None, []
            chosen = run_info_of(*found)
        if chosen.source_path != notebook or chosen.parent_run_id is not None:
            return chosen, []
        rows = s.execute(
            _with_experiment()
            .where(*top_level, RunRow.host == chosen.host, RunRow.pid == chosen.pid)
            .order_by(RunRow.start_time, RunRow.run_id)
        ).all()
        return chosen, [run_info_of(row, experiment) for row, experiment in rows]


def _with_experiment():
    return select(RunRow, Experiment.name).join(
        Experiment, Experiment.experiment_id == RunRow.experiment_id
    )
