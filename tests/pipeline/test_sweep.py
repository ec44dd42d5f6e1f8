"""Sweeps: a grid in parallel worker processes, and on a local Dask cluster with PostgreSQL."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.pipeline.sweep import parse_sweep

CELLS = [
    "import jupyter_mlops as mlops, os",
    ("alpha = 0.5\ndepth = 1", ["parameters"]),
    "mlops.log_metric('score', alpha * depth)\nmlops.log_metric('pid', os.getppid())",
]


def test_parse_sweep():
    assert parse_sweep(["a=1,2", "b=x"]) == {"a": ["1", "2"], "b": ["x"]}
    for bad in (["a"], ["a="], ["a=1,,2"], ["a=1", "a=2"], ["=1"]):
        with pytest.raises(InvalidArgument, match="sweep"):
            parse_sweep(bad)


def test_a_four_point_sweep_runs_in_parallel_under_one_parent(make_notebook):
    mlops.promote_notebook(make_notebook("sweep.ipynb", CELLS), "sweep")
    result = mlops.run_sweep(
        "sweep", {"alpha": ["0.5", "1.0"], "depth": ["1", "2"]}, workers=2, progress=False
    )
    assert result.ok and len(result.points) == 4
    assert sorted(p.metrics["score"] for p in result.points) == [0.5, 1.0, 1.0, 2.0]
    # two worker processes ran the points (each kernel's parent is a worker)
    assert len({p.metrics["pid"] for p in result.points}) == 2
    children = mlops.search_runs(filter={"parent_run_id": result.parent_run_id})
    assert len(children) == 4
    parent = mlops.get_run(result.parent_run_id)
    assert parent.info.status.value == "FINISHED" and parent.metrics["points"] == 4
    headers, rows = result.table()
    assert headers[:4] == ["run", "alpha", "depth", "status"] and len(rows) == 4


def test_bad_sweep_values_fail_before_any_point_runs(make_notebook):
    mlops.promote_notebook(make_notebook("sweep.ipynb", CELLS), "sweep")
    with pytest.raises(InvalidArgument, match="parameter 'depth'"):
        mlops.run_sweep("sweep", {"depth": ["1", "deep"]}, progress=False)
    assert mlops.search_runs(children=True).empty


@pytest.mark.postgres
def test_sweep_on_a_local_dask_cluster_records_into_postgres(
    make_notebook, postgres_url, monkeypatch
):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("MLOPS_TRACKING_URI", postgres_url)
    mlops.promote_notebook(make_notebook("sweep.ipynb", CELLS), "sweep")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = mlops.run_sweep(
            "sweep", {"alpha": ["0.5", "1.0"]}, cluster=cluster.scheduler_address, progress=False
        )
    assert result.ok and len(result.points) == 2
    assert mlops.get_store().db.engine.dialect.name == "postgresql"
    children = mlops.search_runs(filter={"parent_run_id": result.parent_run_id})
    assert sorted(children["status"]) == ["FINISHED", "FINISHED"]
    assert len({p.metrics["pid"] for p in result.points}) == 2
