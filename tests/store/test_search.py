"""Parsed run queries compiled to SQL and run by the store (SQLite and PostgreSQL).

Queries are built from the plain objects directly, without the parser: the
store needs nothing but them.
"""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import NotFound
from jupyter_mlops.store import RunStatus
from jupyter_mlops.store import runs as run_store
from jupyter_mlops.store import search as search_store
from jupyter_mlops.tracking.filters import ATTRIBUTES, Comparison, OrderBy, RunQuery


def _runs(store, *specs: dict) -> list[str]:
    """Finished runs, oldest first, each with the params and tags of its spec."""
    ids = []
    for i, spec in enumerate(specs):
        info = run_store.create_run(
            store,
            experiment=spec.get("experiment", "exp"),
            name=f"r{i}",
            params=spec.get("params"),
            tags=spec.get("tags"),
            parent_run_id=spec.get("parent"),
        )
        run_store.end_run(store, info.run_id, RunStatus.FINISHED, end_time=info.start_time)
        ids.append(info.run_id)
    return ids


def _names(store, **query) -> list[str]:
    return [r["name"] for r in search_store.search_runs(store, RunQuery(**query))]


def test_every_attribute_of_the_language_has_a_column() -> None:
    assert set(search_store.ATTRIBUTE_COLUMNS) == set(ATTRIBUTES)


def test_params_compare_as_numbers_where_they_look_like_numbers(any_store) -> None:
    _runs(any_store, {"params": {"n": "9"}}, {"params": {"n": "10"}}, {"params": {"n": "abc"}})
    above = (Comparison("param", "n", ">", 9.5),)
    assert _names(any_store, where=above) == ["r1"]  # as text, "9" > "10"
    equal = (Comparison("param", "n", "=", 10),)
    assert _names(any_store, where=equal) == ["r1"]  # a number equal to the text "10"
    listed = (Comparison("param", "n", "IN", (9, "abc")),)
    assert _names(any_store, where=listed) == ["r2", "r0"]


def test_user_text_is_bound_never_part_of_the_sql(any_store) -> None:
    _runs(any_store, {"tags": {"t": "a'b"}}, {"tags": {"t": "x"}})
    hostile = (Comparison("tag", "t", "=", "x' OR '1'='1"),)
    assert _names(any_store, where=hostile) == []
    assert _names(any_store, where=(Comparison("tag", "t", "=", "a'b"),)) == ["r0"]
    assert search_store.count_runs(any_store, RunQuery()) == 2  # nothing was dropped


def test_order_scope_paging_and_counts(any_store) -> None:
    parent, *_ = _runs(
        any_store,
        {"params": {"model": "rf"}},
        {"params": {"model": "lr"}},
        {"params": {"model": "gb"}, "experiment": "other"},
    )
    _runs(any_store, {"parent": parent}, {"parent": parent})
    assert _names(any_store) == ["r2", "r1", "r0"]  # newest first, top-level only
    by_model = (OrderBy("param", "model", descending=True),)
    assert _names(any_store, order_by=by_model, limit=2, offset=1) == ["r1", "r2"]
    assert _names(any_store, experiments=("exp",), order_by=(OrderBy("attribute", "name"),)) == [
        "r0",
        "r1",
    ]
    [top] = search_store.search_runs(
        any_store, RunQuery(where=(Comparison("param", "model", "=", "rf"),))
    )
    assert top["child_runs"] == 2 and top["params.model"] == "rf"
    assert search_store.count_runs(any_store, RunQuery(children=True)) == 5
    on_parent = (Comparison("attribute", "parent_run_id", "=", parent),)
    assert search_store.count_runs(any_store, RunQuery(where=on_parent)) == 2
    with pytest.raises(NotFound, match="experiment 'nope'"):
        search_store.count_runs(any_store, RunQuery(experiments=("exp", "nope")))
