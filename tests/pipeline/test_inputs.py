"""Declared inputs: the snapshots the origin run read key the run cache."""

from __future__ import annotations

import pandas as pd

import jupyter_mlops as mlops


def test_inputs_are_declared_and_a_new_version_invalidates_the_cache(make_notebook, monkeypatch):
    path = make_notebook(
        "reads.ipynb",
        [
            "import jupyter_mlops as mlops",
            ("scale = 2", ["parameters"]),
            "df = mlops.load_snapshot('train@latest')\nmlops.log_metric('total', float(df.x.sum()) * scale)",
        ],
    )
    monkeypatch.setenv("MLOPS_NOTEBOOK_PATH", str(path))
    with mlops.start_run("interactive"):
        mlops.snapshot(pd.DataFrame({"x": [1, 2, 3]}), "train")
    monkeypatch.delenv("MLOPS_NOTEBOOK_PATH")
    promotion = mlops.promote_notebook(path, "reads")
    assert [(i.name, i.version) for i in promotion.spec.inputs] == [("train", 1)]
    assert "inputs: train@1" in str(promotion)
    first = mlops.run_pipeline("reads")
    assert first.metrics == {"total": 12.0}
    assert mlops.run_pipeline("reads").cached
    mlops.snapshot(pd.DataFrame({"x": [10, 20]}), "train")
    changed = mlops.run_pipeline("reads")
    assert not changed.cached and changed.metrics == {"total": 60.0}
