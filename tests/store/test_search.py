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


def _remote_runs(store) -> list[str]:
    """Runs an MLflow client made: params, tags, a NaN and a plain metric, one ended, one
    with a dataset input, one child (MLflow's search includes children)."""
    import math

    from jupyter_mlops.store import remote_runs
    from jupyter_mlops.tracking import experiments, remote

    exp = experiments.create_experiment("exp").experiment_id
    ids = []
    for i in range(4):
        tags = {"kind": "odd" if i % 2 else "even"}
        if i == 3:
            tags["mlflow.parentRunId"] = ids[0]
        rid = remote.create_run(exp, name=f"r{i}", start_time=1000.0 + i, tags=tags)["info"].run_id
        metrics = [("acc", i / 10, 2000.5 + i, i), ("loss", math.nan, 2001.0, 0)]
        remote.log_batch(rid, metrics, {"depth": str(i), "lr": "0.1"})
        ids.append(rid)
    remote.update_run(ids[1], status="FINISHED", end_time=3000.0)
    record = {"name": "train", "digest": "abc", "source_type": "local", "tags": {}}
    remote_runs.write_inputs(store, ids[2], [record], [])
    return ids


@pytest.mark.parametrize("json_each", [True, False], ids=["json_each", "nested-page"])
def test_search_summaries_are_the_run_details_of_the_page(
    any_store, json_each, monkeypatch
) -> None:
    from jupyter_mlops.store import remote_runs

    monkeypatch.setattr(search_store, "_SQLITE_JSON", json_each)  # a SQLite before 3.38
    ids = _remote_runs(any_store)
    for query in (
        RunQuery(experiments=("exp",), children=True, deleted=True),
        RunQuery(
            experiments=("exp",),
            where=(Comparison("tag", "kind", "=", "odd"),),
            order_by=(OrderBy("metric", "acc", descending=False),),
            children=True,
            deleted=True,
        ),
        RunQuery(experiments=("exp",), children=True, deleted=True, limit=2, offset=1),
    ):
        summaries = search_store.search_summaries(any_store, query)
        details = remote_runs.search_details(any_store, query)
        assert [s.row[0] for s in summaries] == [d["info"].run_id for d in details]
        for s, d in zip(summaries, details):
            info = d["info"]
            expected = (info.run_id, info.name, info.experiment_id, info.user, info.status.value)
            expected += (info.start_time, info.end_time, info.lifecycle)
            assert tuple(s.row) == expected
            assert s.inputs == info.context.get("mlflow_inputs")
            assert dict(s.params) == d["params"] and dict(s.tags) == d["tags"]
            points = {p.key: (repr(p.value), p.step, p.timestamp) for p in d["metrics"]}
            assert {k: (repr(v), st, ts) for k, v, st, ts in s.metrics} == points
    everything = search_store.search_summaries(any_store, RunQuery(children=True, deleted=True))
    assert {s.row[0] for s in everything} == set(ids)
    assert search_store.search_summaries(any_store, RunQuery(experiments=("exp",), offset=9)) == []
