"""The same MLflow routes inside the Jupyter server: the Jupyter token through MLFLOW_TRACKING_TOKEN."""

from __future__ import annotations

import asyncio

import pytest
import requests

import jupyter_mlops as mlops

mlflow = pytest.importorskip("mlflow")


def _log(uri: str) -> str:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("in-jupyter")
    run = client.create_run(exp, run_name="from-mlflow")
    client.log_metric(run.info.run_id, "acc", 0.75, step=3)
    client.log_param(run.info.run_id, "k", "v")
    client.set_terminated(run.info.run_id)
    return run.info.run_id


async def test_the_mlflow_client_logs_through_the_jupyter_server(
    jp_serverapp, http_server_client, jp_base_url, jp_http_port, mlflow_env, monkeypatch
):
    uri = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlops/mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", jp_serverapp.identity_provider.token)
    run_id = await asyncio.to_thread(_log, uri)
    ours = mlops.get_run(run_id)
    assert ours.info.name == "from-mlflow" and ours.params == {"k": "v"}
    assert ours.metrics == {"acc": 0.75} and ours.info.status.value == "FINISHED"


async def test_without_the_token_the_routes_refuse(
    jp_serverapp, http_server_client, jp_base_url, jp_http_port, mlflow_env
):
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlops/mlflow/api/2.0/mlflow/experiments/create"
    resp = await asyncio.to_thread(requests.post, url, json={"name": "x"})
    assert resp.status_code in (401, 403)
    assert resp.json()["error_code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")
    assert mlops.list_experiments() == [] or "x" not in [e.name for e in mlops.list_experiments()]


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


async def test_artifacts_and_the_registry_through_the_jupyter_server(
    jp_serverapp, http_server_client, jp_base_url, jp_http_port, mlflow_env, monkeypatch, tmp_path
):
    pytest.importorskip("sklearn")
    uri = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlops/mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", jp_serverapp.identity_provider.token)
    got = await asyncio.to_thread(_artifacts_and_registry, uri, tmp_path)
    assert got["same_predictions"] and got["notes"] == "trained in jupyter"
    names = {a.name for a in mlops.get_run(got["run_id"]).artifacts}
    assert {"docs/notes.txt", "model/MLmodel"} <= names
    version = mlops.get_model_version("churn-jupyter@production")
    assert version.run_id == got["run_id"] and version.version == 1
