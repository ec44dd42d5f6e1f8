"""MLflow's run filter and order-by grammar, translated into this package's ``RunQuery`` parts.

MLflow writes ``attributes.run_name``, ``attributes.user_id``,
``attributes.start_time`` (milliseconds), ``tags."key with spaces"``; this
package's language (``filters.py``) has ``name``, ``user``, ``start_time``
(seconds) and back-quoted keys. Identifiers are renamed outside quoted
strings only, then the one parser of ``filters.py`` does the rest, so a
malformed filter fails there with ``InvalidArgument``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import InvalidArgument
from .filters import Comparison, OrderBy, RunQuery, comparison, parse_filter, parse_order_by

if TYPE_CHECKING:
    from ..store.search import RunSummary

RUN_VIEWS = {"ACTIVE_ONLY": "active", "DELETED_ONLY": "deleted", "ALL": None}
MAX_RESULTS = 50_000

_ATTRIBUTE_NAMES = {
    "run_name": "name",
    "user_id": "user",
    "created": "start_time",
    "Created": "start_time",
}
_MILLISECONDS = ("start_time", "end_time")
_QUOTED = re.compile(r"('(?:[^'\\]|\\.)*')")
_DOUBLE_QUOTED_KEY = re.compile(r'\b(metrics?|params?|tags?)\."([^"]+)"')
_ATTRIBUTE = re.compile(r"\b(?:attributes?|attr|run)\.(`?)(\w+)\1")
_ORDER_ITEM = re.compile(
    r"""^\s*(?:`[^`]+`|"[^"]+"|[\w.\-/:]+(?:`[^`]+`|"[^"]+")?)(?:\s+(?:ASC|DESC))?\s*$""",
    re.IGNORECASE,
)
_UNSUPPORTED = re.compile(r"\b(datasets?|attributes?\.artifact_uri)\b")


def _rename(text: str) -> str:
    text = _DOUBLE_QUOTED_KEY.sub(r"\1.`\2`", text)
    if _UNSUPPORTED.search(text):
        raise InvalidArgument(
            "filter", "conditions on metrics, params, tags or run attributes", text
        )
    text = _ATTRIBUTE.sub(lambda m: _ATTRIBUTE_NAMES.get(m.group(2), m.group(2)), text)
    for old, new in _ATTRIBUTE_NAMES.items():
        text = re.sub(rf"(?<![\w.`]){old}(?![\w`])", new, text)
    return text


def _outside_quotes(text: str) -> str:
    parts = _QUOTED.split(text)
    return "".join(p if i % 2 else _rename(p) for i, p in enumerate(parts))


def _seconds(c: Comparison) -> Comparison:
    if c.kind != "attribute" or c.key not in _MILLISECONDS or c.value is None:
        return c
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    if not all(isinstance(v, (int, float)) for v in values):
        raise InvalidArgument("filter", f"a number of milliseconds for {c.key}", c.value)
    seconds = tuple(v / 1000.0 for v in values)
    return replace(c, value=seconds if isinstance(c.value, tuple) else seconds[0])


def translate_filter(filter: str | None) -> tuple[Comparison, ...]:
    """MLflow's ``filter_string`` as this package's comparisons."""
    if filter is None or not filter.strip():
        return ()
    if len(filter) > _CACHED_TEXT:
        return _translated_filter.__wrapped__(filter)
    return _translated_filter(filter)


_CACHED_TEXT = 2000  # longer texts are parsed each time: the cache stays small


@functools.lru_cache(maxsize=256)
def _translated_filter(filter: str) -> tuple[Comparison, ...]:
    """Parsed once per text: a client (or a page of a dashboard) repeats the same searches;
    the comparisons are frozen, a refused filter raises and is not kept."""
    return tuple(_seconds(_quoted(c)) for c in parse_filter(_outside_quotes(filter)))


def _quoted(c: Comparison) -> Comparison:
    """As MLflow: a param or tag compares with a quoted string (``params.depth = '3'``)."""
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    if c.kind in ("param", "tag") and not all(v is None or isinstance(v, str) for v in values):
        raise InvalidArgument(
            "filter", f"a quoted string to compare {c.kind}s.{c.key} with", c.value
        )
    return c


def translate_order_by(order_by: Sequence[str] | None) -> tuple[OrderBy, ...] | None:
    """MLflow's ``order_by`` list (default: newest first, as MLflow)."""
    if not order_by:
        return None
    items = tuple(order_by)
    if sum(len(item) for item in items) > _CACHED_TEXT:
        return _translated_order_by.__wrapped__(items)
    return _translated_order_by(items)


@functools.lru_cache(maxsize=256)
def _translated_order_by(order_by: tuple[str, ...]) -> tuple[OrderBy, ...] | None:
    for item in order_by:
        if not _ORDER_ITEM.match(item):
            raise InvalidArgument(
                "order_by", "<key> [ASC|DESC], the key back-quoted if spaced", item
            )
    return parse_order_by([_outside_quotes(item) for item in order_by])


def run_query(
    experiment_ids: Sequence[str | int],
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    view: str = "ACTIVE_ONLY",
    limit: int = 1000,
    offset: int = 0,
) -> RunQuery:
    """MLflow's search-runs arguments as a ``RunQuery`` (children included, as MLflow)."""
    from .experiments import get_experiment

    if view not in RUN_VIEWS:
        raise InvalidArgument("run_view_type", "ACTIVE_ONLY, DELETED_ONLY or ALL", view)
    if not 0 < limit <= MAX_RESULTS:
        raise InvalidArgument("max_results", f"a whole number from 1 to {MAX_RESULTS}", limit)
    names = tuple(get_experiment(e).name for e in experiment_ids)
    where = translate_filter(filter)
    if RUN_VIEWS[view] is not None:
        where = (*where, comparison("lifecycle", "=", RUN_VIEWS[view]))
    return RunQuery(
        experiments=names,
        where=where,
        order_by=translate_order_by(order_by),
        limit=limit,
        offset=offset,
        children=True,
        deleted=True,
    )


def search_summaries(
    experiment_ids: Sequence[str | int],
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    view: str = "ACTIVE_ONLY",
    limit: int = 1000,
    offset: int = 0,
) -> list[RunSummary]:
    """The runs of MLflow's search as plain rows (``store.search.RunSummary``), for its
    search-runs route: a page of a thousand runs is read without building ``RunInfo``s."""
    from ..store import get_store
    from ..store.search import search_summaries as summaries

    query = run_query(experiment_ids, filter, order_by, view, limit, offset)
    return summaries(get_store(), query)
