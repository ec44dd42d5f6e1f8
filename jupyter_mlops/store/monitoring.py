"""The inference log's windows, the prediction ids they hold, and late labels.

Public functions take the ``Store`` and open one managed session each; private
helpers take the session. A window and its prediction ids land in one
transaction (after their blobs exist), so a window is never half-written.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from .identity import current_user
from .prediction_ids import IdRanges, classify_ids, insert_ranges, ranges_of
from .schema_monitor import InferenceLabel, InferenceWindow

if TYPE_CHECKING:
    from . import Store

_IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


@dataclass(frozen=True)
class WindowInfo:
    """A closed window of the inference log (its rows and profile are blobs)."""

    id: str
    model: str
    version: int
    alias: str | None
    source: str
    opened_at: float
    closed_at: float
    n_rows: int
    n_dropped: int
    sample_rate: float
    data_digest: str
    profile_digest: str
    columns: tuple[str, ...]
    n_labels: int = 0
    rows_snapshot: int | None = None  # a batch window's inputs are rows of this snapshot
    rows_offset: int | None = None


@dataclass(frozen=True)
class LabelOutcome:
    """What one ``add_labels`` call did."""

    model: str
    added: int
    replaced: int
    skipped: int = 0  # ids the server returned but sampled out of (or dropped from) the log


def _info(row: InferenceWindow, n_labels: int = 0) -> WindowInfo:
    return WindowInfo(
        row.id,
        row.model,
        row.version,
        row.alias,
        row.source,
        row.opened_at,
        row.closed_at,
        row.n_rows,
        row.n_dropped,
        row.sample_rate,
        row.data_digest,
        row.profile_digest,
        tuple(row.columns or ()),
        n_labels,
        row.rows_snapshot,
        row.rows_offset,
    )


def write_window(
    store: Store, window: WindowInfo, prediction_ids: Sequence[str] | IdRanges
) -> None:
    """Insert a closed window and the ids of its rows, all in one transaction."""
    write_windows(store, [(window, prediction_ids)])


def write_windows(
    store: Store, windows: Sequence[tuple[WindowInfo, Sequence[str] | IdRanges]]
) -> None:
    """Insert windows with their ids in one transaction: all of them or none.

    Conflict when an id is already logged (ids are unique by construction; a
    clash means a caller reused them).
    """
    with store.db.session(write=True) as s:
        for window, ids in windows:
            s.add(_row(window))
            s.flush()
            insert_ranges(s, window.id, ids if isinstance(ids, IdRanges) else ranges_of(ids))


def _row(window: WindowInfo) -> InferenceWindow:
    return InferenceWindow(
        id=window.id,
        model=window.model,
        version=window.version,
        alias=window.alias,
        source=window.source,
        opened_at=window.opened_at,
        closed_at=window.closed_at,
        n_rows=window.n_rows,
        n_dropped=window.n_dropped,
        sample_rate=window.sample_rate,
        data_digest=window.data_digest,
        profile_digest=window.profile_digest,
        columns=list(window.columns),
        rows_snapshot=window.rows_snapshot,
        rows_offset=window.rows_offset,
    )


def _label_counts(s: Session, window_ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(window_ids), _IN_CHUNK):
        chunk = list(window_ids[start : start + _IN_CHUNK])
        q = (
            select(InferenceLabel.window_id, func.count())
            .where(InferenceLabel.window_id.in_(chunk))
            .group_by(InferenceLabel.window_id)
        )
        counts.update({w: n for w, n in s.execute(q)})
    return counts


def list_windows(
    store: Store,
    model: str,
    *,
    since: float | None = None,
    alias: str | None = None,
    version: int | None = None,
    source: str | None = None,
    limit: int | None = None,
) -> list[WindowInfo]:
    """Windows of ``model`` closed after ``since`` (oldest first), with their label counts."""
    q = select(InferenceWindow).where(InferenceWindow.model == model)
    if since is not None:
        q = q.where(InferenceWindow.closed_at > since)
    if alias is not None:
        q = q.where(InferenceWindow.alias == alias)
    if version is not None:
        q = q.where(InferenceWindow.version == version)
    if source is not None:
        q = q.where(InferenceWindow.source == source)
    q = q.order_by(InferenceWindow.closed_at, InferenceWindow.id)
    if limit is not None:
        q = q.limit(limit)
    with store.db.session() as s:
        rows = list(s.scalars(q))
        counts = _label_counts(s, [r.id for r in rows])
        return [_info(r, counts.get(r.id, 0)) for r in rows]


def get_window(store: Store, window_id: str) -> WindowInfo:
    with store.db.session() as s:
        row = s.get(InferenceWindow, window_id)
        if row is None:
            raise NotFound(f"no inference window {window_id!r}")
        return _info(row, _label_counts(s, [row.id]).get(row.id, 0))


def window_labels(store: Store, window_id: str) -> dict[str, Any]:
    """``prediction_id -> label`` for the labelled rows of a window."""
    q = select(InferenceLabel.prediction_id, InferenceLabel.label).where(
        InferenceLabel.window_id == window_id
    )
    with store.db.session() as s:
        return {p: label for p, label in s.execute(q)}


def _labelled(s: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = list(ids[start : start + _IN_CHUNK])
        q = select(InferenceLabel.prediction_id).where(InferenceLabel.prediction_id.in_(chunk))
        found.update(s.scalars(q))
    return found


class UnknownPredictions(NotFound):
    """Some ids are not predictions of the model: nothing was applied."""

    def __init__(self, model: str, unknown: Sequence[str], total: int) -> None:
        self.unknown = len(unknown)
        self.total = total
        shown = ", ".join(repr(i) for i in list(unknown)[:5])
        more = "" if len(unknown) <= 5 else f" and {len(unknown) - 5} more"
        super().__init__(
            f"{len(unknown)} of {total} ids are not logged predictions of {model!r} "
            f"({shown}{more}); no label was applied: send only ids the server returned "
            "(a row of a window still open is not known until the window closes)"
        )


def add_labels(
    store: Store, model: str, ids: Sequence[str], labels: Sequence[Any], *, replace: bool
) -> LabelOutcome:
    """All labels or none: refused when any id is unknown, or already labelled without replace.

    Ids the log sampled out (see ``prediction_ids.classify_ids``) are skipped and counted.
    """
    now, user = time.time(), current_user()
    with store.db.session(write=True) as s:
        known, sampled_out = classify_ids(s, model, ids)
        if len(known) + len(sampled_out) != len(ids):
            skipped = set(sampled_out)
            unknown = [i for i in ids if i not in known and i not in skipped]
            raise UnknownPredictions(model, unknown, len(ids))
        pairs = [(i, v) for i, v in zip(ids, labels) if i in known]
        kept = [i for i, _ in pairs]
        existing = _labelled(s, kept)
        if existing and not replace:
            shown = ", ".join(repr(i) for i in sorted(existing)[:5])
            raise Conflict(
                f"{len(existing)} of {len(ids)} ids already have a label ({shown}); "
                "nothing was applied: pass replace=True (--replace) to overwrite them"
            )
        for start in range(0, len(kept), _IN_CHUNK):
            chunk = [i for i in kept[start : start + _IN_CHUNK] if i in existing]
            if chunk:
                s.execute(delete(InferenceLabel).where(InferenceLabel.prediction_id.in_(chunk)))
        if pairs:
            s.execute(
                insert(InferenceLabel),
                [
                    {"prediction_id": i, "window_id": known[i], "label": v,
                     "created_at": now, "user": user}
                    for i, v in pairs
                ],
            )  # fmt: skip
    return LabelOutcome(model, len(kept) - len(existing), len(existing), len(sampled_out))
