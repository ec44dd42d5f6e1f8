"""Child runs are listed one way everywhere: top-level by default, ``children=True`` for all.

The core decides (``search_runs(children=...)``); the magic and the CLI pass
it through (the REST route is tested in tests/server/test_runs.py).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main


def nested_runs() -> tuple[str, list[str], str]:
    """A parent with two children, and a lone top-level run started after them."""
    with mlops.start_run("parent", experiment="nest") as parent:
        kids = []
        for i in range(2):
            with mlops.start_run(f"child-{i}") as child:
                mlops.log_metric("acc", i)
            kids.append(child.id)
    with mlops.start_run("lone", experiment="nest") as lone:
        pass
    return parent.id, kids, lone.id


def test_search_runs_lists_top_level_runs_with_a_count_of_children(any_store):
    parent, kids, lone = nested_runs()
    top = mlops.search_runs()
    assert list(top["run_id"]) == [lone, parent]
    assert dict(zip(top["run_id"], top["child_runs"])) == {lone: 0, parent: 2}
    assert mlops.count_runs() == 2
    every = mlops.search_runs(children=True)
    assert set(every["run_id"]) == {parent, lone, *kids}
    assert mlops.count_runs(children=True) == 4
    # a filter on the parent means children: no second switch needed
    assert set(mlops.search_runs(filter={"parent_run_id": parent})["run_id"]) == set(kids)
    assert mlops.search_runs(experiment="nest", filter="metrics.acc >= 0").empty
    assert len(mlops.search_runs(filter="metrics.acc >= 0", children=True)) == 2


def test_grid_search_under_autolog_is_one_top_level_run(mlops_home):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X, y = load_iris(return_X_y=True)
    mlops.autolog("sklearn")
    try:
        GridSearchCV(LogisticRegression(max_iter=200), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    finally:
        mlops.autolog("sklearn", disable=True)
    top = mlops.search_runs()
    assert len(top) == 1 and top["child_runs"].iloc[0] >= 2
    every = mlops.search_runs(children=True)
    assert len(every) == 1 + top["child_runs"].iloc[0]


def test_runs_magic_lists_top_level_runs_unless_all(ip):
    parent, kids, lone = nested_runs()
    # more children than the limit: the page still holds the top-level runs
    shown = ip.run_line_magic("mlops", "runs --limit 2")
    assert list(shown["run_id"]) == [lone[:8], parent[:8]]
    shown = ip.run_line_magic("mlops", "runs --all --limit 10")
    assert set(shown["run_id"]) == {r[:8] for r in (parent, lone, *kids)}


def test_runs_magic_asks_the_core_for_top_level_runs(ip, monkeypatch):
    calls = []
    real = mlops.tracking.search_runs

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(mlops.tracking, "search_runs", spy)
    nested_runs()
    ip.run_line_magic("mlops", "runs --limit 1")
    assert calls[-1].get("children") is False and calls[-1].get("limit") == 1


@pytest.mark.parametrize("flag", [[], ["--all"]])
def test_runs_list_cli_top_level_unless_all(mlops_home, flag):
    parent, kids, lone = nested_runs()
    res = CliRunner().invoke(main, ["runs", "list", "--json", *flag], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    ids = {r["run_id"] for r in json.loads(res.output)}
    assert ids == ({parent, lone, *kids} if flag else {parent, lone})
    table = CliRunner().invoke(main, ["runs", "list", *flag]).output
    assert "children" in table.splitlines()[0]
    assert ("child-0" in table) == bool(flag)
