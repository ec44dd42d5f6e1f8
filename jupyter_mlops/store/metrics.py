"""Metric points: the batch insert of the hot path, latest values, history.

Points are stored as chunks (``schema.MetricChunk``): one row per run and key
per write, holding the steps, timestamps and values as packed arrays in logging
order. A write costs a few rows whatever its size; a history read unpacks the
key's chunks in the order they were written and sorts by step then time (a
stable sort, so equal steps and times keep their logging order: the same order
as one row per point sorted by step, time and insertion).

Public functions take the ``Store`` and open one managed session each.
"""

from __future__ import annotations

import operator
import sys
from array import array
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from .entities import MetricPoint
from .run_rows import resolve_run_id
from .schema import LatestMetric, MetricChunk
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store

# A metric row as buffered by the writer: (run_id, key, step, timestamp, value).
MetricRow = tuple[str, str, int, float, float]
# A point of a history as unpacked: (step, timestamp, value).
HistoryPoint = tuple[int, float, float]
_STEP_TIME = operator.itemgetter(2, 3)
_HISTORY_ORDER = operator.itemgetter(0, 1)
_SWAP = sys.byteorder != "little"  # chunks are little-endian on every machine
_CHUNK_INSERT = (
    "INSERT INTO metric_chunks (run_id, key, n, min_step, max_step, step_data, time_data,"
    " value_data) VALUES ({})".format(", ".join(["%s"] * 8))
)
_LATEST_COLUMNS = "(run_id, key, step, timestamp, value, is_nan)"
# SQLite binds NaN as NULL, so the SQL itself turns a NaN into (0.0, is_nan).
_SQLITE_VALUES = "VALUES (?1, ?2, ?3, ?4, ifnull(?5, 0.0), ?5 IS NULL)"
_LATEST_UPSERT = (
    " ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step,"
    " timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan"
    " WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step"
    " AND excluded.timestamp >= latest_metrics.timestamp)"
)


def insert_metrics(store: Store, rows: Sequence[MetricRow]) -> None:
    """Write buffered points in one transaction and move each key's latest value.

    The hot path of batch logging: points are grouped by run and key and packed
    (a value that cannot be packed raises before anything is written, so
    ``metric_batches`` can isolate it), then one ``executemany`` of constant SQL
    through the driver writes the chunks and one the latest values.
    """
    if not rows:
        return
    run_ids = {r[0] for r in rows}
    groups = _group(rows, len(run_ids) == 1)
    packed = list(map(_pack, groups))
    chunks, latest = [c for c, _ in packed], [p for _, p in packed]
    with store.db.session(write=True) as s:
        found = set(s.scalars(select(RunRow.run_id).where(RunRow.run_id.in_(run_ids))))
        missing = run_ids - found
        if missing:
            raise NotFound(f"run {sorted(missing)[0]!r} does not exist")
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(_CHUNK_INSERT.replace("%s", "?"), chunks)
            values = _SQLITE_VALUES
        else:
            conn.exec_driver_sql(_CHUNK_INSERT, chunks)
            values = "VALUES (%s, %s, %s, %s, %s, %s)"
            latest = _with_nan_flag(latest)
        conn.exec_driver_sql(
            f"INSERT INTO latest_metrics {_LATEST_COLUMNS} {values}{_LATEST_UPSERT}", latest
        )


def _group(rows: Iterable[MetricRow], one_run: bool) -> list[list[MetricRow]]:
    """The rows of each (run, key), each list in logging order."""
    groups: dict = {}
    get = groups.get
    if one_run:  # the usual case: a run's own buffer, grouped by key alone
        for r in rows:
            g = get(r[1])
            if g is None:
                groups[r[1]] = [r]
            else:
                g.append(r)
    else:
        for r in rows:
            groups.setdefault(r[:2], []).append(r)
    return list(groups.values())


def _pack(points: list[MetricRow]) -> tuple[tuple, MetricRow]:
    """One chunk's parameters and the key's latest point (the highest step, then the
    latest time, then the last logged); OverflowError or TypeError for a point that
    cannot be stored."""
    rid, key = points[0][0], points[0][1]
    _, _, steps, times, values = zip(*points)
    arrays = array("q", steps), array("d", times), array("d", values)
    if _SWAP:
        for a in arrays:
            a.byteswap()
    top = max(steps)
    last = points[-1]
    if last[2] != top or steps.count(top) != 1:
        last = max(reversed(points), key=_STEP_TIME)
    chunk = (rid, key, len(steps), min(steps), top, *(a.tobytes() for a in arrays))
    return chunk, last


def _with_nan_flag(rows: Sequence[MetricRow]) -> list[tuple]:
    return [
        (r, k, st, ts, 0.0, True) if v != v else (r, k, st, ts, v, False)
        for (r, k, st, ts, v) in rows
    ]


def history_points(
    s: Session, run_id: str, key: str, start: int = 0, stop: int | None = None
) -> list[HistoryPoint]:
    """Points ``start:stop`` of ``run_id``'s ``key`` as (step, timestamp, value), by step then
    time; ties keep their logging order."""
    steps, times, values = array("q"), array("d"), array("d")
    for chunk in s.execute(
        select(MetricChunk.step_data, MetricChunk.time_data, MetricChunk.value_data)
        .where(MetricChunk.run_id == run_id, MetricChunk.key == key)
        .order_by(MetricChunk.id)
    ):
        for a, data in zip((steps, times, values), chunk):
            a.frombytes(data)
    if _SWAP:
        for a in (steps, times, values):
            a.byteswap()
    if all(map(operator.lt, steps, islice(steps, 1, None))):  # the usual case: in order
        return list(zip(steps[start:stop], times[start:stop], values[start:stop]))
    return sorted(zip(steps, times, values), key=_HISTORY_ORDER)[start:stop]


def count_points(store: Store, run_id: str | None = None) -> int:
    """How many points are stored, for one run or all."""
    query = select(func.coalesce(func.sum(MetricChunk.n), 0))
    if run_id is not None:
        query = query.where(MetricChunk.run_id == run_id)
    with store.db.session() as s:
        return int(s.execute(query).scalar_one())


def last_steps(store: Store, run_id: str) -> dict[str, int]:
    """The highest step logged so far per key (to continue a run's step counters)."""
    with store.db.session() as s:
        return dict(
            s.execute(
                select(MetricChunk.key, func.max(MetricChunk.max_step))
                .where(MetricChunk.run_id == run_id)
                .group_by(MetricChunk.key)
            ).all()
        )


def metric_history(store: Store, run_id: str, key: str) -> list[MetricPoint]:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        points = history_points(s, run_id, key)
    return [MetricPoint(key, v, st, ts) for st, ts, v in points]


def metric_keys(store: Store, run_id: str) -> list[str]:
    with store.db.session() as s:
        return list(
            s.scalars(
                select(LatestMetric.key)
                .where(LatestMetric.run_id == run_id)
                .order_by(LatestMetric.key)
            )
        )
