"""The search language parsed into plain objects: no database, no SQL."""

from __future__ import annotations

import dataclasses

import pytest

from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.tracking.filters import (
    ATTRIBUTES,
    Comparison,
    OrderBy,
    RunQuery,
    parse_filter,
    parse_order_by,
    parse_query,
)


def test_comparisons_of_each_kind_joined_by_and() -> None:
    got = parse_filter(
        'metrics.acc >= 0.9 and params.model = \'rf\' and tags.`team name` != "a\\"b"'
        " and status IN ('failed', 'KILLED') and m.loss < 1e-3 and p.n == 3"
    )
    assert got == (
        Comparison("metric", "acc", ">=", 0.9),
        Comparison("param", "model", "=", "rf"),
        Comparison("tag", "team name", "!=", 'a"b'),
        Comparison("attribute", "status", "IN", ("FAILED", "KILLED")),
        Comparison("metric", "loss", "<", 1e-3),
        Comparison("param", "n", "=", 3),
    )
    assert isinstance(got[5].value, int) and isinstance(got[0].value, float)


def test_attributes_not_in_like_and_normalised_values() -> None:
    assert parse_filter("run.name LIKE 'base%' and lifecycle NOT IN ('Deleted')") == (
        Comparison("attribute", "name", "LIKE", "base%"),
        Comparison("attribute", "lifecycle", "NOT IN", ("deleted",)),
    )
    assert parse_filter("name ilike 'B%'") == (Comparison("attribute", "name", "ILIKE", "B%"),)
    assert parse_filter({"params.model": "rf", "status": "finished"}) == (
        Comparison("param", "model", "=", "rf"),
        Comparison("attribute", "status", "=", "FINISHED"),
    )
    assert parse_filter(None) == parse_filter("") == ()
    assert {"run_id", "experiment", "parent_run_id", "lifecycle"} <= set(ATTRIBUTES)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("metrics.acc >", "a value after >"),
        ("acc > 1", "'acc'"),
        ("metrics.acc > 1 or params.x = 'a'", "'or' is not supported"),
        ("metrics.acc LIKE 'a'", "numeric comparison"),
        ("params.x = 'a' garbage", "'garbage'"),
        ("metrics.acc > 'x'", "a number to compare metrics.acc"),
        ("colour = 'red'", "'colour'"),
        ("params.x ~ 3", "cannot read from ' ~ 3'"),
        ("params.x IN 'a'", "a parenthesised list after IN"),
        ("params.x IN ('a', 'b'", "a closing ')'"),
        ("params.x = y", "a quoted string or a number"),
        ("= 3", "a metric, param, tag or attribute name"),
        ("params.x", "an operator after 'params.x'"),
    ],
)
def test_filter_errors_name_the_filter_and_what_went_wrong(text: str, names: str) -> None:
    with pytest.raises(InvalidArgument, match="^filter: expected") as err:
        parse_filter(text)
    assert err.value.argument == "filter"
    assert names in str(err.value) or names in err.value.expected


def test_a_filter_of_another_type_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="^filter: expected a filter string or a mapping"):
        parse_filter(3)  # type: ignore[arg-type]


def test_order_by_items() -> None:
    assert parse_order_by(None) is None
    assert parse_order_by("metrics.acc DESC") == (OrderBy("metric", "acc", descending=True),)
    assert parse_order_by(["params.model", "start_time asc", "tags.t desc"]) == (
        OrderBy("param", "model"),
        OrderBy("attribute", "start_time"),
        OrderBy("tag", "t", descending=True),
    )
    with pytest.raises(InvalidArgument, match="^order_by: expected strings like"):
        parse_order_by(["metrics.acc", ""])
    with pytest.raises(InvalidArgument, match="^filter: .*nosuchcolumn"):
        parse_order_by("nosuchcolumn")  # the same names as in a filter, the same message


def test_query_checks_paging_and_is_immutable() -> None:
    query = parse_query("exp", "params.a = 'x'", "name", 10, 5, children=True)
    assert query == RunQuery(
        experiments=("exp",),
        where=(Comparison("param", "a", "=", "x"),),
        order_by=(OrderBy("attribute", "name"),),
        limit=10,
        offset=5,
        children=True,
    )
    assert parse_query(["a", "b"]).experiments == ("a", "b")
    assert parse_query(filter="parent_run_id = 'x'").named_attributes == {"parent_run_id"}
    for kwargs, argument in [({"limit": -1}, "limit"), ({"limit": True}, "limit")]:
        with pytest.raises(InvalidArgument, match=f"^{argument}:"):
            parse_query(**kwargs)
    with pytest.raises(InvalidArgument, match="^offset:"):
        parse_query(offset=1.5)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.limit = 3  # type: ignore[misc]
