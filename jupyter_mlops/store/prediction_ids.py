"""Prediction ids stored as ranges: a window of 10,000 served rows is a row or a few, not 10,000.

An id the inference log hands out is a per-process prefix and a 12-hex-digit
counter (``monitor.log.PredictionIds``), so the ids of a window are runs of
consecutive counters under one prefix: ``(prefix, start, stop)``. Any other
string is its own prefix with counter ``-1`` (a range of one), so every id
maps to exactly one ``(prefix, counter)`` and back.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from ..errors import Conflict
from .schema_monitor import InferenceIdRange, InferenceWindow

COUNTER_DIGITS = 12
_HEX = frozenset("0123456789abcdef")
_WHOLE = -1


class IdRanges(tuple):
    """``((prefix, start, stop), ...)``: ids ``prefix + f"{i:012x}"`` for i in [start, stop)."""


def parse_id(prediction_id: str) -> tuple[str, int]:
    """``(prefix, counter)`` of an id; counter ``-1`` for an id not of the log's format."""
    tail = prediction_id[-COUNTER_DIGITS:]
    if len(prediction_id) > COUNTER_DIGITS and _HEX.issuperset(tail):
        return prediction_id[:-COUNTER_DIGITS], int(tail, 16)
    return prediction_id, _WHOLE


def format_id(prefix: str, counter: int) -> str:
    return prefix if counter == _WHOLE else f"{prefix}{counter:0{COUNTER_DIGITS}x}"


def ranges_of(ids: Iterable[str]) -> IdRanges:
    """The fewest ranges that hold exactly ``ids`` (a repeated id is kept twice, to be refused)."""
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for i in ids:
        prefix, counter = parse_id(i)
        by_prefix[prefix].append(counter)
    out: list[tuple[str, int, int]] = []
    for prefix, counters in by_prefix.items():
        counters.sort()
        start = prev = counters[0]
        for c in counters[1:]:
            if c != prev + 1 or prev == _WHOLE:
                out.append((prefix, start, prev + 1))
                start = c
            prev = c
        out.append((prefix, start, prev + 1))
    return IdRanges(out)


def _overlaps(ranges: Sequence[tuple[str, int, int]]) -> list[str]:
    """Ids that two of ``ranges`` both hold (ranges sorted by prefix, then start)."""
    clashes = []
    for (p1, _, stop1), (p2, start2, _) in itertools.pairwise(ranges):
        if p1 == p2 and start2 < stop1:
            clashes.append(format_id(p2, start2))
    return clashes


def insert_ranges(s: Session, window_id: str, ranges: IdRanges) -> None:
    """Add a window's ranges; Conflict, naming an id, when another window already holds one."""
    if not ranges:
        return
    mine = sorted(ranges)
    clashes = _overlaps(mine)
    for prefix, group in _grouped(mine).items():
        low, high = group[0][1], max(stop for _, _, stop in group)
        q = select(InferenceIdRange.prefix, InferenceIdRange.start, InferenceIdRange.stop).where(
            InferenceIdRange.prefix == prefix,
            InferenceIdRange.start < high,
            InferenceIdRange.stop > low,
        )
        stored = sorted(list(group) + [tuple(r) for r in s.execute(q)])
        clashes += _overlaps(stored)
    if clashes:
        raise Conflict(
            f"{len(clashes)} prediction id(s) are already logged (e.g. {clashes[0]!r}); "
            "the window was not written"
        )
    s.execute(
        insert(InferenceIdRange),
        [{"prefix": p, "start": a, "stop": b, "window_id": window_id} for p, a, b in mine],
    )


def _grouped(ranges: Sequence[tuple[str, int, int]]) -> dict[str, list[tuple[str, int, int]]]:
    groups: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for r in ranges:
        groups[r[0]].append(r)
    return groups


def classify_ids(s: Session, model: str, ids: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """``(logged, sampled_out)``: ids logged for ``model`` (with their window) and ids left out.

    An id is taken as sampled out (or dropped) when its prefix is logged for
    ``model`` and its counter lies between the lowest start and the highest
    stop of that prefix's ranges of ``model`` but in no range of any model: the
    server handed it out and did not log it. Any other id is in neither.
    """
    wanted: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i in ids:
        prefix, counter = parse_id(i)
        wanted[prefix].append((counter, i))
    found: dict[str, str] = {}
    skipped: list[str] = []
    for prefix, items in wanted.items():
        items.sort()
        low, high = _span(s, model, prefix)
        if low is None:
            continue
        q = (
            select(
                InferenceIdRange.start,
                InferenceIdRange.stop,
                InferenceIdRange.window_id,
                InferenceWindow.model,
            )
            .join(InferenceWindow, InferenceWindow.id == InferenceIdRange.window_id)
            .where(
                and_(
                    InferenceIdRange.prefix == prefix,
                    InferenceIdRange.start <= items[-1][0],
                    InferenceIdRange.stop > items[0][0],
                )
            )
            .order_by(InferenceIdRange.start)
        )
        rows = list(s.execute(q))
        starts = [r[0] for r in rows]
        for counter, i in items:
            at = bisect.bisect_right(starts, counter) - 1
            if at >= 0 and counter < rows[at][1]:
                if rows[at][3] == model:
                    found[i] = rows[at][2]
            elif counter != _WHOLE and low <= counter < high:
                skipped.append(i)
    return found, skipped


def _span(s: Session, model: str, prefix: str) -> tuple[int | None, int | None]:
    """Lowest start and highest stop of ``prefix``'s ranges logged for ``model``."""
    q = (
        select(func.min(InferenceIdRange.start), func.max(InferenceIdRange.stop))
        .join(InferenceWindow, InferenceWindow.id == InferenceIdRange.window_id)
        .where(InferenceIdRange.prefix == prefix, InferenceWindow.model == model)
    )
    low, high = s.execute(q).one()
    return low, high
