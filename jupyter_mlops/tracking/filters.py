"""The filter and order-by language of ``search_runs``, parsed into plain immutable objects.

Filter grammar (comparisons joined by ``and``; ``or`` is not supported)::

    metrics.accuracy >= 0.9 and params.model = 'rf' and status = 'FINISHED'
    tags.team != 'x'   name LIKE 'base%'   status IN ('FAILED', 'KILLED')

Left side: ``metrics.K``, ``params.K``, ``tags.K`` (K may be back-quoted; ``metric.``,
``m.``, ``param.``, ``p.``, ``tag.``, ``t.`` work too) or a run attribute (one of
``ATTRIBUTES``, optionally as ``attributes.K`` or ``run.K``). A mapping
``{"params.model": "rf"}`` means equality on each key. Order-by items are
``"<left side> [ASC|DESC]"``.

Nothing here knows SQL: ``store.search`` compiles a ``RunQuery`` into bound
SQLAlchemy expressions, as MLflow's SQLAlchemy store compiles what its
``SearchUtils`` parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import InvalidArgument

Kind = Literal["metric", "param", "tag", "attribute"]

ATTRIBUTES = (
    "run_id",
    "name",
    "status",
    "user",
    "experiment",
    "start_time",
    "end_time",
    "source_path",
    "git_commit",
    "parent_run_id",
    "lifecycle",
)
OPS = frozenset({"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"})

_PREFIXES: dict[str, Kind] = {
    "metrics": "metric",
    "metric": "metric",
    "m": "metric",
    "params": "param",
    "param": "param",
    "p": "param",
    "tags": "tag",
    "tag": "tag",
    "t": "tag",
    "attributes": "attribute",
    "attribute": "attribute",
    "attr": "attribute",
    "run": "attribute",
}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
    | (?P<op><=|>=|!=|==|=|<|>|\(|\)|,)
    | (?P<ident>(?:[A-Za-z_][\w]*\.)?(?:`[^`]+`|[\w.:/\-]+))
    )""",
    re.X,
)


@dataclass(frozen=True)
class Comparison:
    """``<kind>.<key> <op> <value>``; ``value`` is a tuple for IN and NOT IN."""

    kind: Kind
    key: str
    op: str
    value: Any


@dataclass(frozen=True)
class OrderBy:
    kind: Kind
    key: str
    descending: bool = False


@dataclass(frozen=True)
class RunQuery:
    """What ``search_runs`` asked for, checked: every comparison must hold (an ``and``).

    ``order_by`` None means newest first. By default only top-level runs that
    are not deleted match (``children``, ``deleted`` widen that); a comparison
    on ``parent_run_id`` or ``lifecycle`` decides that itself.
    """

    experiments: tuple[str, ...] | None = None
    where: tuple[Comparison, ...] = ()
    order_by: tuple[OrderBy, ...] | None = None
    limit: int | None = None
    offset: int = 0
    children: bool = False
    deleted: bool = False

    @property
    def named_attributes(self) -> frozenset[str]:
        return frozenset(c.key for c in self.where if c.kind == "attribute")


def parse_query(
    experiment: str | Sequence[str] | None = None,
    filter: str | Mapping[str, Any] | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    *,
    children: bool = False,
    deleted: bool = False,
) -> RunQuery:
    """The arguments of ``search_runs`` checked and parsed (``InvalidArgument`` naming the bad one)."""
    _check_paging(limit, offset)
    experiments = None
    if experiment is not None:
        experiments = (experiment,) if isinstance(experiment, str) else tuple(experiment)
    return RunQuery(
        experiments=experiments,
        where=parse_filter(filter),
        order_by=parse_order_by(order_by),
        limit=limit,
        offset=offset,
        children=children,
        deleted=deleted,
    )


def _check_paging(limit: int | None, offset: int) -> None:
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise InvalidArgument("limit", "a whole number >= 0", limit)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidArgument("offset", "a whole number >= 0", offset)


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


def parse_filter(text: str | Mapping[str, Any] | None) -> tuple[Comparison, ...]:
    """The comparisons of a filter string or mapping (all must hold); () for no filter."""
    if text is None or text == "":
        return ()
    if isinstance(text, Mapping):
        return tuple(comparison(k, "=", v) for k, v in text.items())
    if not isinstance(text, str):
        raise InvalidArgument("filter", "a filter string or a mapping", type(text).__name__)
    toks = _tokens(text)
    found, i = [], 0
    while i < len(toks):
        kind, ident = toks[i]
        if kind != "ident":
            raise InvalidArgument("filter", "a metric, param, tag or attribute name", ident)
        op, i = _operator(toks, i + 1, ident, text)
        value, i = _operand(toks, i, op, text)
        found.append(comparison(ident, op, value))
        if i < len(toks):
            word = toks[i][1].upper()
            if word == "OR":
                raise InvalidArgument(
                    "filter", "clauses joined by 'and' ('or' is not supported)", text
                )
            if word != "AND":
                raise InvalidArgument("filter", "'and' between clauses", toks[i][1])
            i += 1
    return tuple(found)


def _operator(toks: list[tuple[str, str]], i: int, ident: str, text: str) -> tuple[str, int]:
    """The operator at ``toks[i]`` (``NOT IN`` is two tokens) and the index after it."""
    if i >= len(toks):
        raise InvalidArgument("filter", f"an operator after {ident!r}", text)
    op = toks[i][1].upper()
    if op == "NOT" and i + 1 < len(toks) and toks[i + 1][1].upper() == "IN":
        op, i = "NOT IN", i + 1
    if op == "==":
        op = "="
    if op not in OPS:
        raise InvalidArgument("filter", "an operator: = != < <= > >= LIKE ILIKE IN", toks[i][1])
    return op, i + 1


def _operand(toks: list[tuple[str, str]], i: int, op: str, text: str) -> tuple[Any, int]:
    """The value at ``toks[i]`` (a tuple after IN / NOT IN) and the index after it."""
    if op not in ("IN", "NOT IN"):
        if i >= len(toks):
            raise InvalidArgument("filter", f"a value after {op}", text)
        return _literal(*toks[i]), i + 1
    if i >= len(toks) or toks[i][1] != "(":
        raise InvalidArgument("filter", f"a parenthesised list after {op}", text)
    values, i = [], i + 1
    while i < len(toks) and toks[i][1] != ")":
        if toks[i][1] != ",":
            values.append(_literal(*toks[i]))
        i += 1
    if i >= len(toks):
        raise InvalidArgument("filter", "a closing ')'", text)
    return tuple(values), i + 1


def _kind_and_key(ident: str) -> tuple[Kind, str]:
    prefix, _, key = ident.partition(".")
    key = key.strip("`")
    if key and prefix in _PREFIXES:
        kind = _PREFIXES[prefix]
    else:
        kind, key = "attribute", ident.strip("`")
    if kind == "attribute" and key not in ATTRIBUTES:
        raise InvalidArgument(
            "filter", "metrics.K, params.K, tags.K or one of " + ", ".join(ATTRIBUTES), ident
        )
    return kind, key


def comparison(ident: str, op: str, value: Any) -> Comparison:
    """One comparison, checked: metrics compare with numbers; status and lifecycle are normalised."""
    op = "=" if op == "==" else op.upper()
    kind, key = _kind_and_key(ident)
    if isinstance(value, list):
        value = tuple(value)
    if kind == "metric":
        if op in ("LIKE", "ILIKE"):
            raise InvalidArgument("filter", "a numeric comparison for metrics", f"{ident} {op}")
        values = value if isinstance(value, tuple) else (value,)
        if not all(isinstance(v, (int, float)) for v in values):
            shown = list(value) if isinstance(value, tuple) else value
            raise InvalidArgument("filter", f"a number to compare metrics.{key} with", shown)
    if kind == "attribute" and key == "status":
        if isinstance(value, str):
            value = value.upper()
        elif isinstance(value, tuple):
            value = tuple(str(v).upper() for v in value)
    if kind == "attribute" and key == "lifecycle" and value is not None:
        if isinstance(value, tuple):
            value = tuple(str(v).lower() for v in value)
        else:
            value = str(value).lower()
    return Comparison(kind, key, op, value)


def parse_order_by(order_by: str | Sequence[str] | None) -> tuple[OrderBy, ...] | None:
    """``"metrics.acc DESC"`` or a list of such items; None keeps the default (newest first)."""
    if order_by is None:
        return None
    items = [order_by] if isinstance(order_by, str) else list(order_by)
    found = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgument(
                "order_by", "strings like 'metrics.acc DESC' or 'start_time'", item
            )
        parts = item.strip().rsplit(None, 1)
        descending = False
        if len(parts) == 2 and parts[1].upper() in ("ASC", "DESC"):
            ident, descending = parts[0], parts[1].upper() == "DESC"
        else:
            ident = item.strip()
        kind, key = _kind_and_key(ident)
        found.append(OrderBy(kind, key, descending))
    return tuple(found)
