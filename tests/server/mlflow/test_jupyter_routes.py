"""The same MLflow routes inside a real Jupyter server: the Jupyter token through MLFLOW_TRACKING_TOKEN.

The server is a JupyterLab process of its own (tests/browser.py's ``running_lab``)
on a loopback port, as a user runs it: the MLflow client talks to it over HTTP
from this process, and what it logged is read back through our own API from
the same store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import jupyter_mlops as mlops
from tests.browser import LabServer, running_lab

mlflow = pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def lab_with_store(tmp_path_factory) -> Iterator[tuple[LabServer, Path]]:
    base = tmp_path_factory.mktemp("mlflow-in-jupyter")
    (base / "root").mkdir()
    (base / "state").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLOPS_"))}
    env["MLOPS_HOME"] = str(base / ".mlops")
    with running_lab(base / "root", base / "state", env) as lab:
        yield lab, base / ".mlops"


@pytest.fixture
def lab(lab_with_store, mlflow_env, monkeypatch) -> LabServer:
    """The server, with this process reading the same store and the token set for the client."""
    server, home = lab_with_store
    monkeypatch.setenv("MLOPS_HOME", str(home))
    monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", server.token)
    return server


def _log(uri: str) -> str:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("in-jupyter")
    run = client.create_run(exp, run_name="from-mlflow")
    client.log_metric(run.info.run_id, "acc", 0.75, step=3)
    client.log_param(run.info.run_id, "k", "v")
    client.set_terminated(run.info.run_id)
    return run.info.run_id


def test_the_mlflow_client_logs_through_the_jupyter_server(lab):
    run_id = _log(f"{lab.url}mlops/mlflow")
    ours = mlops.get_run(run_id)
    assert ours.info.name == "from-mlflow" and ours.params == {"k": "v"}
    assert ours.metrics == {"acc": 0.75} and ours.info.status.value == "FINISHED"


def test_without_the_token_the_routes_refuse(lab):
    url = f"{lab.url}mlops/mlflow/api/2.0/mlflow/experiments/create"
    resp = requests.post(url, json={"name": "refused-without-token"}, timeout=30)
    assert resp.status_code in (401, 403)
    assert resp.json()["error_code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")
    assert "refused-without-token" not in [e.name for e in mlops.list_experiments()]


def _artifacts_and_registry(uri: str, folder) -> dict:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    mlflow.set_tracking_uri(uri)
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    notes = folder / "notes.txt"
    notes.write_text("trained in jupyter")
    mlflow.set_experiment("jupyter-registry")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(notes), artifact_path="docs")
        mlflow.sklearn.log_model(model, name="model", input_example=X[:2])
    mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn-jupyter")
    mlflow.MlflowClient().set_registered_model_alias("churn-jupyter", "production", 1)
    loaded = mlflow.pyfunc.load_model("models:/churn-jupyter@production")
    back = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="docs/notes.txt", dst_path=str(folder / "back")
    )
    return {
        "run_id": run.info.run_id,
        "same_predictions": loaded.predict(X).tolist() == model.predict(X).tolist(),
        "notes": open(back).read(),
    }


def test_artifacts_and_the_registry_through_the_jupyter_server(lab, tmp_path):
    got = _artifacts_and_registry(f"{lab.url}mlops/mlflow", tmp_path)
    assert got["same_predictions"] and got["notes"] == "trained in jupyter"
    names = {a.name for a in mlops.get_run(got["run_id"]).artifacts}
    assert {"docs/notes.txt", "model/MLmodel"} <= names
    version = mlops.get_model_version("churn-jupyter@production")
    assert version.run_id == got["run_id"] and version.version == 1
