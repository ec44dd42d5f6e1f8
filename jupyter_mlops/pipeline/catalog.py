"""The catalog of promoted pipelines: which were promoted, where their folder is, their origin."""

from __future__ import annotations

import hashlib

from ..store import get_store
from ..store import pipelines as pipeline_store
from ..store.pipelines import PipelineInfo

__all__ = [
    "PipelineInfo",
    "list_pipelines",
    "notebook_digest",
    "register_pipeline",
    "registered_path",
]


def notebook_digest(raw: bytes) -> str:
    """The sha256 (hex) of a pipeline notebook's bytes, as the catalog records it."""
    return hashlib.sha256(raw).hexdigest()


def register_pipeline(
    name: str, path: str, digest: str, origin_run_id: str | None, spec: dict, *, event: bool
) -> None:
    """Record a promoted pipeline (and a ``pipeline.promoted`` event when ``event``).

    An origin run that this store does not hold (promoted against another
    store) is recorded as None here; ``pipeline.yaml`` keeps its id.
    """
    pipeline_store.register_pipeline(
        get_store(), name, path, digest, origin_run_id, spec, event=event
    )


def registered_path(name: str) -> str | None:
    """The folder the promotion of ``name`` recorded, or None."""
    return pipeline_store.registered_path(get_store(), name)


def list_pipelines() -> list[PipelineInfo]:
    """Every promoted pipeline recorded in the store, by name."""
    return pipeline_store.list_pipelines(get_store())
