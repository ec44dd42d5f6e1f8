"""Child runs keep their parent's context: a ``%%mlops run`` inside ``%mlops start -e``."""

from __future__ import annotations

import jupyter_mlops as mlops
from jupyter_mlops.store import runs as run_store
from jupyter_mlops.tracking.run import active_run


def test_cell_run_inside_a_started_run_inherits_its_experiment(ip, cell):
    cell("%mlops start outer -e churn2")
    parent = active_run()
    cell("%%mlops run child\nscore = 0.5\n%mlops log score")
    cell("%%mlops run other -e elsewhere\nx = 1")
    cell("%mlops end")
    children = {
        mlops.get_run(c).info.name: mlops.get_run(c).info
        for c in run_store.child_run_ids(parent.store, parent.id)
    }
    assert children["child"].experiment == "churn2"
    assert children["other"].experiment == "elsewhere"  # an explicit experiment wins
    assert "Default" not in [e.name for e in mlops.list_experiments()]


def test_start_run_under_a_parent_given_by_id_inherits_its_experiment(mlops_home, monkeypatch):
    monkeypatch.setenv("MLOPS_EXPERIMENT", "from-env")
    with mlops.start_run("parent", experiment="churn2", capture_context=False) as parent:
        pass
    child = mlops.start_run("child", parent=parent.id[:8], capture_context=False)
    child.end()
    assert child.experiment == "churn2"
    assert mlops.start_run("alone", capture_context=False).experiment == "from-env"
