"""Declared inputs: the snapshots the origin run read key the run cache."""

from __future__ import annotations

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.pipeline.inputs import current_fingerprints
from jupyter_mlops.pipeline.spec import InputSpec


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


def test_a_store_error_reading_the_origin_inputs_reaches_the_user(make_notebook, monkeypatch):
    import jupyter_mlops.data
    from jupyter_mlops.errors import StoreError

    path = make_notebook("reads.ipynb", [("scale = 2", ["parameters"])])
    monkeypatch.setenv("MLOPS_NOTEBOOK_PATH", str(path))
    with mlops.start_run("interactive"):
        pass
    monkeypatch.delenv("MLOPS_NOTEBOOK_PATH")

    def failing(run_id):
        raise StoreError("the database is locked")

    monkeypatch.setattr(jupyter_mlops.data, "snapshots_of_run", failing)
    with pytest.raises(StoreError, match="database is locked"):
        mlops.promote_notebook(path, "reads")
    assert not (path.parent / "pipelines" / "reads").exists()


def test_an_input_no_longer_stored_keys_the_cache_by_its_declared_fingerprint(store):
    declared = [InputSpec("gone", 3, "abc123"), InputSpec("old", 2, None)]
    assert current_fingerprints(declared) == ["gone=abc123", "old=2"]


def test_a_store_error_reading_an_input_fingerprint_reaches_the_user(store, monkeypatch):
    import jupyter_mlops.data
    from jupyter_mlops.errors import StoreError

    def failing(ref):
        raise StoreError("the database is locked")

    monkeypatch.setattr(jupyter_mlops.data, "get_snapshot", failing)
    with pytest.raises(StoreError, match="database is locked"):
        current_fingerprints([InputSpec("train", 1, "abc123")])
