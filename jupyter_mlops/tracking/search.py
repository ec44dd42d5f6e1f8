"""``search_runs``: a small filter language compiled to SQLAlchemy expressions.

Filter grammar (clauses joined by ``and``; ``or`` is not supported)::

    metrics.accuracy >= 0.9 and params.model = 'rf' and status = 'FINISHED'
    tags.team != 'x'   name LIKE 'base%'   status IN ('FAILED', 'KILLED')

Left side: ``metrics.K``, ``params.K``, ``tags.K`` (K may be back-quoted) or a
run attribute (``run_id``, ``name``, ``status``, ``user``, ``experiment``,
``start_time``, ``end_time``, ``source_path``, ``git_commit``, ``parent_run_id``).
A dict ``{"params.model": "rf"}`` means equality on each key. Every value is
a bound parameter: no SQL is built from user text.

By default only top-level runs that are not deleted are searched
(``children=True`` adds child runs, ``deleted=True`` deleted ones); a filter
that names ``parent_run_id`` or ``lifecycle`` decides that itself.

Columns of the frame: ``run_id``, ``name``, ``experiment``, ``status``
(RUNNING, FINISHED, FAILED, KILLED), ``start_time`` and ``end_time`` (UTC
timestamps), ``user``, ``source_type`` (notebook, script, pipeline, ...),
``source_path``, ``git_commit``, ``parent_run_id``, ``child_runs`` (how many
runs have this one as parent), ``lifecycle`` (active or deleted), ``error``
(the traceback of a FAILED run); then ``params.K`` (text), ``metrics.K``
(latest value) and ``tags.K`` for every key any run of the result has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Boolean, Float, and_, case, cast, exists, func, not_, select
from sqlalchemy.orm import aliased

from ..errors import InvalidArgument, NotFound
from ..store.runs import iter_chunks
from ..store.schema import Experiment, LatestMetric, Param, Tag
from ..store.schema import Run as RunRow

if TYPE_CHECKING:
    from ..store import Store

ATTRIBUTES = {
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
RUN_COLUMNS = [
    "run_id",
    "name",
    "experiment",
    "status",
    "start_time",
    "end_time",
    "user",
    "source_type",
    "source_path",
    "git_commit",
    "parent_run_id",
    "child_runs",
    "lifecycle",
    "error",
]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
    | (?P<op><=|>=|!=|==|=|<|>|\(|\)|,)
    | (?P<ident>(?:[A-Za-z_][\w]*\.)?(?:`[^`]+`|[\w.:/\-]+))
    )""",
    re.X,
)
OPS = {"=", "==", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"}


@dataclass(frozen=True)
class Clause:
    kind: str  # metrics | params | tags | attr
    key: str
    op: str
    value: Any


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InvalidArgument(
                "filter",
                "clauses like \"metrics.acc > 0.9 and params.model = 'rf'\"",
                text,
                hint=f"cannot read from {text[pos : pos + 20]!r}",
            )
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _literal(kind: str, tok: str) -> Any:
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", tok[1:-1])
    if kind == "num":
        return float(tok) if any(c in tok for c in ".eE") else int(tok)
    raise InvalidArgument("filter", "a quoted string or a number after the operator", tok)


def parse_filter(text: str | Mapping[str, Any] | None) -> list[Clause]:
    if text is None or text == "":
        return []
    if isinstance(text, Mapping):
        return [_make_clause(k, "=", v) for k, v in text.items()]
    if not isinstance(text, str):
        raise InvalidArgument("filter", "a filter string or a mapping", type(text).__name__)
    toks = _tokens(text)
    clauses, i = [], 0
    while i < len(toks):
        kind, ident = toks[i]
        if kind != "ident":
            raise InvalidArgument("filter", "a metric, param, tag or attribute name", ident)
        i += 1
        if i >= len(toks):
            raise InvalidArgument("filter", f"an operator after {ident!r}", text)
        op = toks[i][1].upper()
        if op == "NOT" and i + 1 < len(toks) and toks[i + 1][1].upper() == "IN":
            op, i = "NOT IN", i + 1
        if op not in OPS:
            raise InvalidArgument("filter", "an operator: = != < <= > >= LIKE ILIKE IN", toks[i][1])
        i += 1
        if op in ("IN", "NOT IN"):
            if i >= len(toks) or toks[i][1] != "(":
                raise InvalidArgument("filter", f"a parenthesised list after {op}", text)
            values, i = [], i + 1
            while i < len(toks) and toks[i][1] != ")":
                if toks[i][1] != ",":
                    values.append(_literal(*toks[i]))
                i += 1
            if i >= len(toks):
                raise InvalidArgument("filter", "a closing ')'", text)
            value, i = values, i + 1
        else:
            if i >= len(toks):
                raise InvalidArgument("filter", f"a value after {op}", text)
            value, i = _literal(*toks[i]), i + 1
        clauses.append(_make_clause(ident, op, value))
        if i < len(toks):
            word = toks[i][1].upper()
            if word == "OR":
                raise InvalidArgument(
                    "filter", "clauses joined by 'and' ('or' is not supported)", text
                )
            if word != "AND":
                raise InvalidArgument("filter", "'and' between clauses", toks[i][1])
            i += 1
    return clauses


def _make_clause(ident: str, op: str, value: Any) -> Clause:
    op = "=" if op == "==" else op.upper()
    prefix, _, key = ident.partition(".")
    key = key.strip("`")
    aliases = {
        "metrics": "metrics",
        "metric": "metrics",
        "m": "metrics",
        "params": "params",
        "param": "params",
        "p": "params",
        "tags": "tags",
        "tag": "tags",
        "t": "tags",
        "attributes": "attr",
        "attribute": "attr",
        "attr": "attr",
        "run": "attr",
    }
    if key and prefix in aliases:
        kind = aliases[prefix]
    else:
        kind, key = "attr", ident.strip("`")
    if kind == "attr" and key not in ATTRIBUTES:
        raise InvalidArgument(
            "filter", "metrics.K, params.K, tags.K or one of " + ", ".join(ATTRIBUTES), ident
        )
    if kind == "metrics" and op in ("LIKE", "ILIKE"):
        raise InvalidArgument("filter", "a numeric comparison for metrics", f"{ident} {op}")
    if kind == "attr" and key == "status" and isinstance(value, str):
        value = value.upper()
    if kind == "attr" and key == "status" and isinstance(value, list):
        value = [str(v).upper() for v in value]
    if kind == "attr" and key == "lifecycle" and value is not None:
        value = [str(v).lower() for v in value] if isinstance(value, list) else str(value).lower()
    return Clause(kind, key, op, value)


def _compare(column, op: str, value: Any):
    if op in ("=",):
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
        return column.in_(value)
    if op == "NOT IN":
        return column.not_in(value)
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


def _condition(clause: Clause, dialect: str):
    if clause.kind == "attr":
        return _compare(ATTRIBUTES[clause.key], clause.op, clause.value)
    if clause.kind == "metrics":
        lm = aliased(LatestMetric)
        values = clause.value if isinstance(clause.value, list) else [clause.value]
        if not all(isinstance(v, (int, float)) for v in values):
            raise InvalidArgument(
                "filter", f"a number to compare metrics.{clause.key} with", clause.value
            )
        return exists().where(
            lm.run_id == RunRow.run_id,
            lm.key == clause.key,
            ~lm.is_nan,
            _compare(lm.value, clause.op, clause.value),
        )
    table = Param if clause.kind == "params" else Tag
    alias = aliased(table)
    column = alias.value
    value = clause.value
    if isinstance(value, (int, float)) and clause.op in ("<", "<=", ">", ">="):
        column = _numeric_text(alias.value, dialect)
    elif isinstance(value, list):
        value = [str(v) for v in value]
    elif not isinstance(value, str):
        value = str(value)
    return exists().where(
        alias.run_id == RunRow.run_id, alias.key == clause.key, _compare(column, clause.op, value)
    )


def _order_terms(order_by: str | Sequence[str] | None, dialect: str):
    if order_by is None:
        return [RunRow.start_time.desc(), RunRow.run_id.desc()], []
    items = [order_by] if isinstance(order_by, str) else list(order_by)
    terms, joins = [], []
    for n, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgument(
                "order_by", "strings like 'metrics.acc DESC' or 'start_time'", item
            )
        parts = item.strip().rsplit(None, 1)
        direction = "ASC"
        if len(parts) == 2 and parts[1].upper() in ("ASC", "DESC"):
            ident, direction = parts[0], parts[1].upper()
        else:
            ident = item.strip()
        clause = _make_clause(ident, "=", None)
        if clause.kind == "attr":
            col = ATTRIBUTES[clause.key]
        else:
            table = {"metrics": LatestMetric, "params": Param, "tags": Tag}[clause.kind]
            alias = aliased(table, name=f"ord{n}")
            joins.append((alias, and_(alias.run_id == RunRow.run_id, alias.key == clause.key)))
            col = alias.value
        term = col.desc() if direction == "DESC" else col.asc()
        terms.append(term.nulls_last())
    terms.append(RunRow.start_time.desc())
    return terms, joins


def _check_paging(limit: int | None, offset: int) -> None:
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise InvalidArgument("limit", "a whole number >= 0", limit)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidArgument("offset", "a whole number >= 0", offset)


def _scoped(
    stmt,
    s,
    experiment: str | Sequence[str] | None,
    clauses: list[Clause],
    children: bool,
    deleted: bool,
):
    """``stmt`` restricted to the experiments, the filter and the default scope."""
    if experiment is not None:
        names = [experiment] if isinstance(experiment, str) else list(experiment)
        known = set(s.scalars(select(Experiment.name).where(Experiment.name.in_(names))))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise NotFound(f"experiment {unknown[0]!r} does not exist")
        stmt = stmt.where(Experiment.name.in_(names))
    dialect = s.bind.dialect.name
    for clause in clauses:
        stmt = stmt.where(_condition(clause, dialect))
    named = {c.key for c in clauses if c.kind == "attr"}
    if not children and "parent_run_id" not in named:
        stmt = stmt.where(RunRow.parent_run_id.is_(None))
    if not deleted and "lifecycle" not in named:
        stmt = stmt.where(RunRow.lifecycle == "active")
    return stmt


def _details(s, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Params, latest metrics, tags and the number of live children of each run."""
    found: dict[str, dict[str, Any]] = {
        "params": {},
        "metrics": {},
        "tags": {},
        "children": {},
    }
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


def _record(row: RunRow, experiment: str, found: dict[str, dict[str, Any]]) -> dict:
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


def search_runs(
    store: Store,
    experiment: str | Sequence[str] | None = None,
    filter: str | Mapping[str, Any] | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    *,
    children: bool = False,
    deleted: bool = False,
) -> pd.DataFrame:
    """One row per run: attributes, then ``params.*``, ``metrics.*`` (latest values), ``tags.*``.

    Top-level runs only unless ``children``; deleted runs only with ``deleted``.
    """
    _check_paging(limit, offset)
    clauses = parse_filter(filter)
    with store.db.session() as s:
        stmt = select(RunRow, Experiment.name).join(
            Experiment, Experiment.experiment_id == RunRow.experiment_id
        )
        stmt = _scoped(stmt, s, experiment, clauses, children, deleted)
        terms, joins = _order_terms(order_by, s.bind.dialect.name)
        for alias, on in joins:
            stmt = stmt.outerjoin(alias, on)
        stmt = stmt.order_by(*terms)
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = s.execute(stmt).all()
        found = _details(s, [r[0].run_id for r in rows])
        records = [_record(row, exp, found) for row, exp in rows]
    frame = pd.DataFrame.from_records(records, columns=None if records else RUN_COLUMNS)
    for col in ("start_time", "end_time"):
        frame[col] = pd.to_datetime(frame[col], unit="s", utc=True)
    frame["child_runs"] = frame["child_runs"].astype("int64")
    extra = sorted(c for c in frame.columns if c not in RUN_COLUMNS)
    extra.sort(key=lambda c: ("params.", "metrics.", "tags.").index(c.split(".", 1)[0] + "."))
    return frame[RUN_COLUMNS + extra]


def count_runs(
    store: Store,
    experiment: str | Sequence[str] | None = None,
    filter: str | Mapping[str, Any] | None = None,
    *,
    children: bool = False,
    deleted: bool = False,
) -> int:
    """How many runs ``search_runs`` would return without a limit (for paging)."""
    clauses = parse_filter(filter)
    with store.db.session() as s:
        stmt = (
            select(func.count())
            .select_from(RunRow)
            .join(Experiment, Experiment.experiment_id == RunRow.experiment_id)
        )
        stmt = _scoped(stmt, s, experiment, clauses, children, deleted)
        return int(s.execute(stmt).scalar() or 0)


def experiment_summaries(store: Store) -> list[dict[str, Any]]:
    """Each experiment with its run counts (top-level and all, deleted runs left out)."""
    top = func.sum(case((RunRow.parent_run_id.is_(None), 1), else_=0))
    with store.db.session() as s:
        rows = s.execute(
            select(
                Experiment.name,
                Experiment.created_at,
                Experiment.description,
                func.count(RunRow.run_id),
                top,
                func.max(RunRow.start_time),
            )
            .outerjoin(
                RunRow,
                and_(
                    RunRow.experiment_id == Experiment.experiment_id,
                    RunRow.lifecycle == "active",
                ),
            )
            .group_by(Experiment.experiment_id, Experiment.name)
            .order_by(Experiment.name)
        ).all()
    return [
        {
            "name": name,
            "created_at": created,
            "description": description,
            "runs": int(top_level or 0),
            "all_runs": int(total or 0),
            "last_run_at": last,
        }
        for name, created, description, total, top_level, last in rows
    ]
