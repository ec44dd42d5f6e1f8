"""A run's artifacts: immutable (name, digest) rows pointing into the blob store.

Public functions take the ``Store`` and open one managed session each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from .entities import ArtifactInfo
from .run_rows import load_run_row, require_running, resolve_run_id
from .schema import Artifact

if TYPE_CHECKING:
    from . import Store


def add_artifact(
    store: Store, run_id: str, name: str, digest: str, size: int, media_type: str | None
) -> ArtifactInfo:
    return add_artifacts(store, run_id, [(name, digest, size, media_type)])[0]


def add_artifacts(
    store: Store, run_id: str, items: Sequence[tuple[str, str, int, str | None]]
) -> list[ArtifactInfo]:
    """Record (name, digest, size, media type) artifacts in one transaction: all or none."""
    now = time.time()
    out: list[ArtifactInfo] = []
    with store.db.session(write=True) as s:
        row, _ = load_run_row(s, run_id)
        require_running(row, "logging artifacts")
        for name, digest, size, media_type in items:
            existing = s.get(Artifact, (run_id, name))
            if existing is not None:
                if existing.digest != digest:
                    raise Conflict(
                        f"run {run_id[:8]} already has an artifact {name!r} with other content; "
                        "artifacts are immutable, log it under another name"
                    )
                out.append(artifact_info(existing))
                continue
            s.execute(
                insert(Artifact).values(
                    run_id=run_id,
                    name=name,
                    digest=digest,
                    size=size,
                    media_type=media_type,
                    created_at=now,
                )
            )
            out.append(ArtifactInfo(run_id, name, digest, size, media_type, now))
    return out


def artifact_info(a: Artifact) -> ArtifactInfo:
    """The frozen ``ArtifactInfo`` of a row."""
    return ArtifactInfo(a.run_id, a.name, a.digest, a.size, a.media_type, a.created_at)


def artifacts_of(session: Session, run_id: str) -> list[ArtifactInfo]:
    """The artifacts of a run (a full id), by name."""
    return [
        artifact_info(a)
        for a in session.scalars(
            select(Artifact).where(Artifact.run_id == run_id).order_by(Artifact.name)
        )
    ]


def list_artifacts(store: Store, run_id: str) -> list[ArtifactInfo]:
    with store.db.session() as s:
        return artifacts_of(s, resolve_run_id(s, run_id))


def get_artifact(store: Store, run_id: str, name: str) -> ArtifactInfo:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        a = s.get(Artifact, (run_id, name))
        if a is None:
            names = s.scalars(select(Artifact.name).where(Artifact.run_id == run_id)).all()
            raise NotFound(
                f"run {run_id[:8]} has no artifact {name!r}"
                + (f"; it has: {', '.join(sorted(names))}" if names else "; it has none")
            )
        return artifact_info(a)
