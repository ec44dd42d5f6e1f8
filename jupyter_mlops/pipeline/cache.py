"""Reusing a successful run when nothing that could change its result has changed.

The key is the sha256 of the cleaned notebook's bytes, the parameters (as
canonical JSON) and the fingerprints of the declared input snapshots. A run is
cached only when it FINISHED with every gate passed; a cached run that was
deleted or no longer FINISHED is a miss.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select

from ..store import get_store
from ..store.entities import RunStatus
from ..store.schema import Run as RunRow
from ..store.schema_pipeline import PipelineCache


def cache_key(notebook: bytes, params: Mapping[str, Any], inputs: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(b"notebook\0" + hashlib.sha256(notebook).digest())
    h.update(b"params\0" + json.dumps(params, sort_keys=True, default=str).encode())
    h.update(b"inputs\0" + "\0".join(inputs).encode())
    return h.hexdigest()


def lookup(key: str) -> str | None:
    """The id of a FINISHED run recorded under ``key``, or None."""
    with get_store().db.session() as s:
        row = s.execute(
            select(PipelineCache.run_id, RunRow.status)
            .join(RunRow, RunRow.run_id == PipelineCache.run_id)
            .where(PipelineCache.key == key)
        ).first()
    if row is None or row[1] != RunStatus.FINISHED.value:
        return None
    return row[0]


def record(key: str, pipeline: str, run_id: str) -> None:
    """Remember ``run_id`` as the successful run for ``key`` (replacing an older one)."""
    with get_store().db.session(write=True) as s:
        s.execute(delete(PipelineCache).where(PipelineCache.key == key))
        s.add(PipelineCache(key=key, pipeline=pipeline, run_id=run_id, created_at=time.time()))


def forget(pipeline: str) -> int:
    """Drop every cached run of ``pipeline``; returns how many were dropped."""
    with get_store().db.session(write=True) as s:
        result = s.execute(delete(PipelineCache).where(PipelineCache.pipeline == pipeline))
        return result.rowcount or 0
