"""Metric points: the batch insert of the hot path, latest values, history.

Public functions take the ``Store`` and open one managed session each.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ..errors import NotFound
from .entities import MetricPoint
from .run_rows import resolve_run_id
from .schema import LatestMetric, Metric
from .schema import Run as RunRow

if TYPE_CHECKING:
    from . import Store

# A metric row as buffered by the writer: (run_id, key, step, timestamp, value).
MetricRow = tuple[str, str, int, float, float]
_STEP_TIME = operator.itemgetter(2, 3)
_METRIC_COLUMNS = "(run_id, key, step, timestamp, value, is_nan)"
# SQLite binds NaN as NULL, so the SQL itself turns a NaN into (0.0, is_nan):
# no per-point conversion in Python on the hot path.
_SQLITE_VALUES = "VALUES (?1, ?2, ?3, ?4, ifnull(?5, 0.0), ?5 IS NULL)"
_LATEST_UPSERT = (
    " ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step,"
    " timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan"
    " WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step"
    " AND excluded.timestamp >= latest_metrics.timestamp)"
)


def insert_metrics(store: Store, rows: Sequence[MetricRow]) -> None:
    """Write buffered points in one transaction and move each key's latest value.

    The hot path of batch logging: one ``executemany`` of constant SQL through
    the driver (SQLAlchemy's per-row compilation costs ~10 us a point); values
    are always bound, never formatted in.
    """
    if not rows:
        return
    run_ids = {r[0] for r in rows}
    # Points go in in logging order (sorting them by key to group index entries
    # cost more than it saved, bench_logging --profile). Sorted by step and time
    # (stable, so ties keep their logging order; nearly sorted already, so
    # linear), the last point of each key is its latest.
    by_step = sorted(rows, key=_STEP_TIME)
    latest = list({(r[0], r[1]): r for r in by_step}.values())
    with store.db.session(write=True) as s:
        found = set(s.scalars(select(RunRow.run_id).where(RunRow.run_id.in_(run_ids))))
        missing = run_ids - found
        if missing:
            raise NotFound(f"run {sorted(missing)[0]!r} does not exist")
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            values, points, last = _SQLITE_VALUES, rows, latest
        else:
            values = "VALUES (%s, %s, %s, %s, %s, %s)"
            points, last = _with_nan_flag(rows), _with_nan_flag(latest)
        conn.exec_driver_sql(f"INSERT INTO metrics {_METRIC_COLUMNS} {values}", points)
        conn.exec_driver_sql(
            f"INSERT INTO latest_metrics {_METRIC_COLUMNS} {values}{_LATEST_UPSERT}", last
        )


def _with_nan_flag(rows: Sequence[MetricRow]) -> list[tuple]:
    return [
        (r, k, st, ts, 0.0, True) if v != v else (r, k, st, ts, v, False)
        for (r, k, st, ts, v) in rows
    ]


def last_steps(store: Store, run_id: str) -> dict[str, int]:
    """The highest step logged so far per key (to continue a run's step counters)."""
    with store.db.session() as s:
        return dict(
            s.execute(
                select(Metric.key, func.max(Metric.step))
                .where(Metric.run_id == run_id)
                .group_by(Metric.key)
            ).all()
        )


def metric_history(store: Store, run_id: str, key: str) -> list[MetricPoint]:
    with store.db.session() as s:
        run_id = resolve_run_id(s, run_id)
        rows = s.execute(
            select(Metric.key, Metric.value, Metric.is_nan, Metric.step, Metric.timestamp)
            .where(Metric.run_id == run_id, Metric.key == key)
            .order_by(Metric.step, Metric.timestamp, Metric.id)
        ).all()
    return [MetricPoint(k, float("nan") if n else v, st, ts) for k, v, n, st, ts in rows]


def metric_keys(store: Store, run_id: str) -> list[str]:
    with store.db.session() as s:
        return list(
            s.scalars(
                select(LatestMetric.key)
                .where(LatestMetric.run_id == run_id)
                .order_by(LatestMetric.key)
            )
        )
