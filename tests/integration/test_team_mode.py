"""Team mode end to end: the store on a real PostgreSQL server, the blobs on an S3 server.

The same environment a team sets (``MLOPS_TRACKING_URI`` at PostgreSQL,
``MLOPS_BLOB_ROOT`` at ``s3://``, boto's own variables for keys and endpoint)
drives this process, the kernels that run every example notebook, the
pipelines those notebooks run and the model server they start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.notebooks import execute_notebook

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"
NOTEBOOKS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture
def team(postgres_url: str, s3_bucket: str, tmp_path: Path, monkeypatch) -> dict[str, str]:
    home = tmp_path / "home" / ".mlops"
    env = {
        "MLOPS_HOME": str(home),
        "MLOPS_TRACKING_URI": postgres_url,
        "MLOPS_BLOB_ROOT": f"s3://{s3_bucket}/team",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MLOPS_NOTEBOOK_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    return {**env, "bucket": s3_bucket}


def _s3_digests(bucket: str, prefix: str) -> set[str]:
    import boto3

    pages = (
        boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    )
    return {o["Key"].rsplit("/", 1)[-1] for page in pages for o in page.get("Contents", [])}


def _blobs_named() -> dict[str, set[str]]:
    """The digests of stored content the rows name: artifacts, snapshots, models, run contexts."""
    from sqlalchemy import select

    from jupyter_mlops.store.schema import Artifact, Run
    from jupyter_mlops.store.schema_data import Snapshot
    from jupyter_mlops.store.schema_registry import ModelVersion

    with mlops.get_store().db.session() as s:
        return {
            "artifacts": set(s.scalars(select(Artifact.digest))),
            "snapshot profiles": set(s.scalars(select(Snapshot.profile_digest))),
            "models": set(s.scalars(select(ModelVersion.artifact_digest))),
            "environments": {
                c["environment"] for c in s.scalars(select(Run.context)) if c and "environment" in c
            },
        }


def test_core_round_trip_on_postgres_and_s3(team: dict[str, str]):
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    store = mlops.get_store()
    assert store.db.engine.dialect.name == "postgresql"
    assert store.blobs.url == team["MLOPS_BLOB_ROOT"]
    frame = pd.DataFrame({"x": np.arange(200.0), "y": np.arange(200) % 4})
    with mlops.start_run("team", experiment="team") as run:
        (art,) = mlops.log_artifact(b"shared with the team", "note.txt")
        snap = mlops.snapshot(frame, "team-data")
        mlops.register_model("team-lr", LinearRegression().fit(frame[["x"]], frame["x"] * 3))
    assert mlops.load_artifact(run.id, "note.txt") == b"shared with the team"
    pd.testing.assert_frame_equal(mlops.load_snapshot("team-data"), frame)
    assert mlops.load_model("team-lr/1").predict(pd.DataFrame({"x": [2.0]})).round(6).tolist() == [
        6.0
    ]
    on_s3 = _s3_digests(team["bucket"], "team/")
    assert {art.digest, snap.data_digest, snap.profile_digest} <= on_s3
    named = _blobs_named()
    assert all(digests <= on_s3 for digests in named.values()), named
    assert not Path(team["MLOPS_HOME"], "mlops.db").exists()
    assert not Path(team["MLOPS_HOME"], "blobs").exists()


@pytest.mark.slow
def test_every_example_notebook_runs_on_postgres_and_s3(team: dict[str, str], tmp_path: Path):
    for notebook in NOTEBOOKS:
        nb = execute_notebook(notebook, tmp_path / notebook.name, cwd=EXAMPLES)
        errors = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.get("output_type") == "error"
        ]
        assert not errors, notebook.name
    experiments = set(mlops.search_runs(children=True, experiment=None)["experiment"])
    assert {"diabetes", "wine", "examples-data", "registry-demo"} <= experiments
    assert mlops.load_model("breast-cancer@production") is not None
    on_s3 = _s3_digests(team["bucket"], "team/")
    for kind, digests in _blobs_named().items():  # every blob a row names is on the S3 server
        assert digests and digests <= on_s3, kind
    assert not Path(team["MLOPS_HOME"], "mlops.db").exists()
    assert not Path(team["MLOPS_HOME"], "blobs").exists()
