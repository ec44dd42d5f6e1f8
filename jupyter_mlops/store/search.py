"""Searching runs: a parsed ``RunQuery`` (``tracking.filters``) compiled to SQLAlchemy.

Every value is a bound parameter: no SQL is built from user text. Public
functions take the ``Store`` and own their transaction; the helpers take the session.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Float,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    not_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from ..errors import NotFound
from .db import iter_chunks
from .schema import Experiment, LatestMetric, Param, Tag
from .schema import Run as RunRow

if TYPE_CHECKING:
    from ..tracking.filters import Comparison, OrderBy, RunQuery
    from . import Store

ATTRIBUTE_COLUMNS = {
    "run_id": RunRow.run_id,
    "name": RunRow.name,
    "status": RunRow.status,
    "user": RunRow.user,
    "experiment": Experiment.name,
    "start_time": RunRow.start_time,
    "end_time": RunRow.end_time,
    "source_path": RunRow.source_path,
    "git_commit": RunRow.git_commit,
    "parent_run_id": RunRow.parent_run_id,
    "lifecycle": RunRow.lifecycle,
}
_KEYED = {"metric": LatestMetric, "param": Param, "tag": Tag}
_NAN = float("nan")
_SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38)  # json_each built in


def search_runs(store: Store, query: RunQuery) -> list[dict[str, Any]]:
    """One flat record per run of the page: attributes, ``child_runs``, then
    ``params.K`` (text), ``metrics.K`` (latest value) and ``tags.K``, keys sorted.
    """
    with store.db.session() as s:
        rows = s.execute(page_of_ids(s, query, (RunRow, Experiment.name))).all()
        found = _details(s, [r[0].run_id for r in rows])
        return [_record(row, exp, found) for row, exp in rows]


def page_of_ids(s: Session, query: RunQuery, columns: tuple = (RunRow.run_id,)):
    """The statement selecting ``columns`` (by default the ids) of a search's page, in its order."""
    stmt = select(*columns).join(Experiment, Experiment.experiment_id == RunRow.experiment_id)
    stmt = _scoped(s, stmt, query)
    terms, joins = _order_terms(query.order_by)
    for alias, on in joins:
        stmt = stmt.outerjoin(alias, on)
    stmt = stmt.order_by(*terms)
    if query.offset:
        stmt = stmt.offset(query.offset)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return stmt


SUMMARY_COLUMNS = (
    RunRow.run_id,
    RunRow.name,
    RunRow.experiment_id,
    RunRow.user,
    RunRow.status,
    RunRow.start_time,
    RunRow.end_time,
    RunRow.lifecycle,
    type_coerce(RunRow.context, Text),
)


class RunSummary(NamedTuple):
    """A run of ``search_summaries``' page: ``row`` has ``SUMMARY_COLUMNS`` but the last
    (the context); ``inputs`` is its MLflow datasets; params and tags are ``(key, value)``,
    metrics ``(key, latest value, step, timestamp)``."""

    row: Any
    inputs: list[dict[str, Any]] | None
    params: list[tuple[str, str]]
    tags: list[tuple[str, str]]
    metrics: list[tuple[str, float, int, float]]


def search_summaries(store: Store, query: RunQuery) -> list[RunSummary]:
    """``search_runs``' page for MLflow's search: the page query, then the params, tags and
    latest metrics of its ids (one bound list each), as plain rows through the session's
    connection: no ORM result, no ``RunInfo``, a thousand runs a page."""
    with store.db.session() as s:
        conn = s.connection()
        rows = conn.execute(page_of_ids(s, query, SUMMARY_COLUMNS)).all()
        page = {r[0]: RunSummary(r[:-1], _inputs(r[-1]), [], [], []) for r in rows}
        if not page:
            return []
        among = _among(list(page), s.bind.dialect.name, lambda: page_of_ids(s, query))
        for rid, k, v in conn.execute(
            select(Param.run_id, Param.key, Param.value).where(among(Param.run_id))
        ).all():
            page[rid].params.append((k, v))
        for rid, k, v in conn.execute(
            select(Tag.run_id, Tag.key, Tag.value).where(among(Tag.run_id))
        ).all():
            page[rid].tags.append((k, v))
        lm = LatestMetric
        for rid, k, v, nan, step, ts in conn.execute(
            select(lm.run_id, lm.key, lm.value, lm.is_nan, lm.step, lm.timestamp).where(
                among(lm.run_id)
            )
        ).all():
            page[rid].metrics.append((k, _NAN if nan else v, step, ts))
    return list(page.values())


def _among(ids: list[str], dialect: str, page: Callable[[], Any]):
    """``column IN ids`` with the ids as one bound value (a JSON array in SQLite, an array
    in PostgreSQL): no bind limit, and no thousand placeholders compiled per read. A SQLite
    without ``json_each`` runs the ``page()`` query again inside each read instead."""
    if dialect == "postgresql":
        bound = bindparam("page_ids", ids, type_=ARRAY(String))
        return lambda column: column == any_(bound)
    if not _SQLITE_JSON:
        nested_page = select(page().subquery().c.run_id)
        return lambda column: column.in_(nested_page)
    each = func.json_each(bindparam("page_ids", json.dumps(ids))).table_valued("value")
    nested = select(each.c.value)
    return lambda column: column.in_(nested)


def _inputs(context: Any) -> list[dict[str, Any]] | None:
    """A run's MLflow datasets from its context, decoded only when it has some."""
    if isinstance(context, str):
        if "mlflow_inputs" not in context:
            return None
        context = json.loads(context)
    return (context or {}).get("mlflow_inputs") or None


def count_runs(store: Store, query: RunQuery) -> int:
    """How many runs ``search_runs`` would return without limit and offset."""
    with store.db.session() as s:
        stmt = (
            select(func.count())
            .select_from(RunRow)
            .join(Experiment, Experiment.experiment_id == RunRow.experiment_id)
        )
        return int(s.execute(_scoped(s, stmt, query)).scalar() or 0)


def _scoped(s: Session, stmt, query: RunQuery):
    """``stmt`` restricted to the experiments, the comparisons and the default scope."""
    if query.experiments is not None:
        names = list(query.experiments)
        known = set(s.scalars(select(Experiment.name).where(Experiment.name.in_(names))))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise NotFound(f"experiment {unknown[0]!r} does not exist")
        stmt = stmt.where(Experiment.name.in_(names))
    dialect = s.bind.dialect.name
    for comparison in query.where:
        stmt = stmt.where(_condition(comparison, dialect))
    named = query.named_attributes
    if not query.children and "parent_run_id" not in named:
        stmt = stmt.where(RunRow.parent_run_id.is_(None))
    if not query.deleted and "lifecycle" not in named:
        stmt = stmt.where(RunRow.lifecycle == "active")
    return stmt


def _compare(column, op: str, value: Any):
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "LIKE":
        return column.like(value)
    if op == "ILIKE":
        return column.ilike(value)
    if op == "IN":
        return column.in_(list(value))
    if op == "NOT IN":
        return column.not_in(list(value))
    raise AssertionError(op)


def _numeric_text(column, dialect: str):
    """Text as a number where it looks like one, else NULL (PostgreSQL refuses to cast other text)."""
    if dialect == "postgresql":
        looks = column.op("~", return_type=Boolean)(
            r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
        )
    else:
        glob = column.op("GLOB", return_type=Boolean)
        looks = and_(glob("*[0-9]*"), not_(glob("*[^0-9.eE+-]*")))
    return case((looks, cast(column, Float)), else_=None)


def _condition(c: Comparison, dialect: str):
    if c.kind == "attribute":
        return _compare(ATTRIBUTE_COLUMNS[c.key], c.op, c.value)
    if c.kind == "metric":
        lm = aliased(LatestMetric)
        return exists().where(
            lm.run_id == RunRow.run_id,
            lm.key == c.key,
            ~lm.is_nan,
            _compare(lm.value, c.op, c.value),
        )
    alias = aliased(_KEYED[c.kind])
    column, value = alias.value, c.value
    if isinstance(value, (int, float)) and c.op in ("<", "<=", ">", ">="):
        column = _numeric_text(alias.value, dialect)
    elif isinstance(value, tuple):
        value = tuple(str(v) for v in value)
    elif not isinstance(value, str):
        value = str(value)
    return exists().where(
        alias.run_id == RunRow.run_id, alias.key == c.key, _compare(column, c.op, value)
    )


def _order_terms(order_by: tuple[OrderBy, ...] | None):
    """ORDER BY terms (NULLs last, newest first to break ties) and the outer joins they need."""
    if order_by is None:
        return [RunRow.start_time.desc(), RunRow.run_id.desc()], []
    terms, joins = [], []
    for n, item in enumerate(order_by):
        if item.kind == "attribute":
            col = ATTRIBUTE_COLUMNS[item.key]
        else:
            alias = aliased(_KEYED[item.kind], name=f"ord{n}")
            joins.append((alias, and_(alias.run_id == RunRow.run_id, alias.key == item.key)))
            col = alias.value
        terms.append((col.desc() if item.descending else col.asc()).nulls_last())
    terms.append(RunRow.start_time.desc())
    return terms, joins


def _details(s: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Params, latest metrics, tags and the number of live children of each run."""
    found: dict[str, dict[str, Any]] = {"params": {}, "metrics": {}, "tags": {}, "children": {}}
    for chunk in iter_chunks(ids):
        for rid, k, v in s.execute(
            select(Param.run_id, Param.key, Param.value).where(Param.run_id.in_(chunk))
        ):
            found["params"].setdefault(rid, {})[k] = v
        for rid, k, v, nan in s.execute(
            select(
                LatestMetric.run_id, LatestMetric.key, LatestMetric.value, LatestMetric.is_nan
            ).where(LatestMetric.run_id.in_(chunk))
        ):
            found["metrics"].setdefault(rid, {})[k] = float("nan") if nan else v
        for rid, k, v in s.execute(
            select(Tag.run_id, Tag.key, Tag.value).where(Tag.run_id.in_(chunk))
        ):
            found["tags"].setdefault(rid, {})[k] = v
        for rid, n in s.execute(
            select(RunRow.parent_run_id, func.count())
            .where(RunRow.parent_run_id.in_(chunk), RunRow.lifecycle == "active")
            .group_by(RunRow.parent_run_id)
        ):
            found["children"][rid] = n
    return found


def _record(row: RunRow, experiment: str, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rec = {
        "run_id": row.run_id,
        "name": row.name,
        "experiment": experiment,
        "status": row.status,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "user": row.user,
        "source_type": row.source_type,
        "source_path": row.source_path,
        "git_commit": row.git_commit,
        "parent_run_id": row.parent_run_id,
        "child_runs": found["children"].get(row.run_id, 0),
        "lifecycle": row.lifecycle,
        "error": row.error,
    }
    for group in ("params", "metrics", "tags"):
        for k, v in sorted(found[group].get(row.run_id, {}).items()):
            rec[f"{group}.{k}"] = v
    return rec
