"""``mlops.last_run()``: the run the last cell made (this process's latest start or end)."""

from __future__ import annotations

import jupyter_mlops as mlops
from tests.conftest import run_python


def test_last_run_is_the_run_this_process_last_started_or_ended(mlops_home):
    assert mlops.last_run() is None
    with mlops.start_run("outer") as outer:
        with mlops.start_run("inner") as inner:
            assert mlops.last_run().info.run_id == inner.id
        assert mlops.last_run().info.run_id == inner.id  # it ended last
        mlops.log_metric("acc", 0.5)
    data = mlops.last_run()
    assert data.info.run_id == outer.id and data.metrics == {"acc": 0.5}
    with mlops.start_run("open") as still_open:
        assert mlops.last_run().info.run_id == still_open.id


def test_a_finished_cell_run_is_the_last_run(ip):
    ip.run_cell("%%mlops run cellrun\nx = 1\n%mlops log acc=0.9", store_history=True)
    assert mlops.last_run().info.name == "cellrun"


def test_runs_of_other_processes_are_not_this_processs_last_run(mlops_home):
    with mlops.start_run("mine") as mine:
        pass
    proc = run_python("import jupyter_mlops as m\nwith m.start_run('theirs'): pass")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert mlops.last_run().info.run_id == mine.id
    mlops.delete_run(mine.id)
    assert mlops.last_run() is None
