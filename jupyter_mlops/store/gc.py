"""Deleting runs (soft, restorable) and collecting garbage.

A deleted run keeps everything; it is only hidden from searches (``lifecycle``
is ``deleted``) until ``collect_garbage`` removes it for good, with its params,
metrics, artifacts and cells (the foreign keys cascade). Then every blob that
no row references any more is removed from the blob store.

What counts as a reference, so that new tables are covered without listing
them here: a string column whose name ends in ``digest``, and any sha256-like
string inside a JSON column (a run's context names its environment and git
diff blobs this way). The events table is history, not a reference. Rows
that cascade away with a purged run do not count.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, String, delete, select
from sqlalchemy.orm import Session

from ..errors import InvalidArgument
from .db import iter_chunks
from .events import record_event
from .lifecycle import DELETED
from .schema import Base, Event
from .schema import Run as RunRow
from .schema_pipeline import Pipeline
from .schema_registry import ModelVersion

if TYPE_CHECKING:
    from . import Store

_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class GcReport:
    """What ``collect_garbage`` removed (or, with ``dry_run``, would remove)."""

    runs_removed: list[str]
    runs_kept: dict[str, str]  # deleted run id -> why it stays
    blobs_removed: int
    bytes_freed: int
    blobs_kept_recent: int  # unreferenced but written within the grace period
    dry_run: bool = False
    removed_digests: list[str] = field(default_factory=list, repr=False)


def _purge_candidates(session: Session, older_than: float) -> tuple[list[str], dict[str, str]]:
    cutoff = time.time() - older_than
    ids = list(
        session.scalars(
            select(RunRow.run_id).where(RunRow.lifecycle == DELETED, RunRow.deleted_at <= cutoff)
        )
    )
    kept: dict[str, str] = {}
    for chunk in iter_chunks(ids):
        for rid, model, version in session.execute(
            select(ModelVersion.run_id, ModelVersion.model, ModelVersion.version).where(
                ModelVersion.run_id.in_(chunk)
            )
        ):
            kept.setdefault(rid, f"model {model} version {version} was registered from it")
        for rid, name in session.execute(
            select(Pipeline.origin_run_id, Pipeline.name).where(Pipeline.origin_run_id.in_(chunk))
        ):
            kept.setdefault(rid, f"pipeline {name!r} was promoted from it")
    return [r for r in ids if r not in kept], kept


def _hashes_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if _SHA.match(value):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _hashes_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _hashes_in(v)


def _cascades_with_run(table) -> bool:
    return any(
        fk.column.table.name == "runs" and (fk.ondelete or "").upper() == "CASCADE"
        for fk in table.foreign_keys
    )


def referenced_digests(session: Session, excluding_runs: Sequence[str] = ()) -> set[str]:
    """Every blob digest a row of the store names, leaving out the rows of ``excluding_runs``."""
    excluded = set(excluding_runs)
    found: set[str] = set()
    for table in Base.metadata.sorted_tables:
        if table.name == Event.__tablename__:
            continue
        digests = [
            c for c in table.columns if isinstance(c.type, String) and c.name.endswith("digest")
        ]
        blobs_json = [c for c in table.columns if isinstance(c.type, JSON)]
        if not digests and not blobs_json:
            continue
        owner = table.c.run_id if table.name == "runs" or _cascades_with_run(table) else None
        columns = [*digests, *blobs_json] + ([owner] if owner is not None else [])
        for row in session.execute(select(*columns)).yield_per(2000):
            if owner is not None and row[-1] in excluded:
                continue
            found.update(v for v in row[: len(digests)] if v)
            for v in row[len(digests) : len(digests) + len(blobs_json)]:
                found.update(_hashes_in(v))
    return found


def collect_garbage(
    store: Store, *, older_than: float = 0.0, grace: float = 3600.0, dry_run: bool = False
) -> GcReport:
    """Remove runs deleted at least ``older_than`` seconds ago, then unreferenced blobs.

    A blob modified in the last ``grace`` seconds stays even if nothing names
    it yet: a run may be between storing it and recording the row. A deleted
    run a model version or a pipeline came from stays (its lineage).
    """
    for argument, value in (("older_than", older_than), ("grace", grace)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InvalidArgument(argument, "a number of seconds >= 0", value)
    with store.db.session(write=not dry_run) as s:
        purge, kept = _purge_candidates(s, older_than)
        references = referenced_digests(s, purge)
        if not dry_run:
            for chunk in iter_chunks(purge):
                s.execute(delete(RunRow).where(RunRow.run_id.in_(chunk)))
            for rid in purge:
                record_event(s, "run.purged", "run", rid, reason="gc")
    cutoff = time.time() - grace
    removed, freed, recent = [], 0, 0
    for blob in store.blobs.iter_blobs():
        if blob.digest in references:
            continue
        if blob.modified > cutoff:
            recent += 1
            continue
        if not dry_run:
            again = store.blobs.stat(blob.digest)  # stored again since the listing?
            if again is None or again.modified > cutoff:
                continue
            store.blobs.delete(blob.digest)
        removed.append(blob.digest)
        freed += blob.size
    return GcReport(purge, kept, len(removed), freed, recent, dry_run, removed)
