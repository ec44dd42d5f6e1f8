"""Reusing a successful run when nothing that could change its result has changed.

The key is the sha256 of the cleaned notebook's bytes, the parameters (as
canonical JSON) and the fingerprints of the declared input snapshots. A run is
cached only when it FINISHED with every gate passed; a cached run that was
deleted or no longer FINISHED is a miss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..store import get_store
from ..store import pipelines as pipeline_store


def cache_key(notebook: bytes, params: Mapping[str, Any], inputs: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(b"notebook\0" + hashlib.sha256(notebook).digest())
    h.update(b"params\0" + json.dumps(params, sort_keys=True, default=str).encode())
    h.update(b"inputs\0" + "\0".join(inputs).encode())
    return h.hexdigest()


def lookup(key: str) -> str | None:
    """The id of a FINISHED run recorded under ``key``, or None."""
    return pipeline_store.cached_run(get_store(), key)


def record(key: str, pipeline: str, run_id: str) -> None:
    """Remember ``run_id`` as the successful run for ``key`` (replacing an older one)."""
    pipeline_store.cache_run(get_store(), key, pipeline, run_id)


def forget(pipeline: str) -> int:
    """Drop every cached run of ``pipeline``; returns how many were dropped."""
    return pipeline_store.forget_cached_runs(get_store(), pipeline)
