"""``search_runs``: runs matching a filter, as a pandas frame.

The filter and order-by language is parsed in ``tracking.filters`` (its
docstring has the grammar) and compiled to bound SQL in ``store.search``.

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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..store import experiments as experiment_store
from ..store import search as search_store
from .filters import parse_query

if TYPE_CHECKING:
    from ..store import Store

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
_GROUPS = ("params.", "metrics.", "tags.")


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
    query = parse_query(
        experiment, filter, order_by, limit, offset, children=children, deleted=deleted
    )
    records = search_store.search_runs(store, query)
    frame = pd.DataFrame.from_records(records, columns=None if records else RUN_COLUMNS)
    for col in ("start_time", "end_time"):
        frame[col] = pd.to_datetime(frame[col], unit="s", utc=True)
    frame["child_runs"] = frame["child_runs"].astype("int64")
    extra = sorted(c for c in frame.columns if c not in RUN_COLUMNS)
    extra.sort(key=lambda c: _GROUPS.index(c.split(".", 1)[0] + "."))
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
    query = parse_query(experiment, filter, children=children, deleted=deleted)
    return search_store.count_runs(store, query)


def experiment_summaries(store: Store) -> list[dict[str, Any]]:
    """Each experiment with its run counts (top-level and all, deleted runs left out)."""
    return experiment_store.experiment_summaries(store)
