"""MLflow's model registry API driven by the real MLflow client against our server."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import MlopsError
from tests.server.mlflow.mlflow_server import standalone_server

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("sklearn")
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


@pytest.fixture
def client(mlops_home):
    with standalone_server() as url:
        mlflow.set_tracking_uri(url)
        mlflow.set_registry_uri(url)
        yield mlflow.MlflowClient(url, url)
    mlflow.set_tracking_uri("")


@pytest.fixture
def fitted():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return LogisticRegression().fit(X, y), X


def log_mlflow_model(model, tmp_path, folder: str = "model") -> str:
    """A run of ours holding an MLflow-format model folder, uploaded through the proxy."""
    local = tmp_path / "saved"
    mlflow.sklearn.save_model(model, str(local))
    with mlops.start_run("mlflow-model", experiment="reg", capture_context=False) as run:
        run.log_metric("accuracy", 0.9)
        info = mlops.get_run(run.id).info
        uri = f"mlflow-artifacts:/{info.experiment_id}/{run.id}/artifacts"
        MlflowArtifactsRepository(uri, tracking_uri=mlflow.get_tracking_uri()).log_artifacts(
            str(local), folder
        )
    return run.id


def test_version_created_through_mlflow_is_ours_and_loads_by_alias(client, fitted, tmp_path):
    model, X = fitted
    run_id = log_mlflow_model(model, tmp_path)
    client.create_registered_model("churn", description="churn model")
    mv = client.create_model_version("churn", f"runs:/{run_id}/model", run_id=run_id)
    assert (mv.name, mv.version, mv.status) == ("churn", "1", "READY")

    ours = mlops.get_model_version("churn/1")
    assert ours.format == "mlflow"
    assert ours.source == f"runs:/{run_id}/model"
    assert ours.run_id == run_id and ours.model_class == "mlflow.sklearn"

    client.set_registered_model_alias("churn", "production", "1")
    by_alias = client.get_model_version_by_alias("churn", "production")
    assert by_alias.version == "1" and by_alias.aliases == ["production"]
    history = mlops.alias_history("churn", "production")
    assert list(history["to_version"]) == [1]
    assert history["reason"][0] == "set through MLflow's API"

    loaded = mlflow.pyfunc.load_model("models:/churn@production")
    assert (loaded.predict(X) == model.predict(X)).all()
    uri = client.get_model_version_download_uri("churn", "1")
    info = mlops.get_run(run_id).info
    assert uri == f"mlflow-artifacts:/{info.experiment_id}/{run_id}/artifacts/model"


def test_mlflow_format_loads_in_our_api_only_when_trusted(client, fitted, tmp_path):
    model, X = fitted
    run_id = log_mlflow_model(model, tmp_path)
    client.create_model_version("churn", f"runs:/{run_id}/model", run_id=run_id)
    with pytest.raises(MlopsError, match="unpickles"):
        mlops.load_model("churn/1")
    trusted = mlops.load_model("churn/1", trusted=True)
    assert (trusted.predict(X) == model.predict(X)).all()


def test_search_get_update_and_delete(client, fitted, tmp_path):
    model, _ = fitted
    run_id = log_mlflow_model(model, tmp_path)
    for name in ("churn-a", "churn-b", "other"):
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    ours = mlops.register_model("native", model, run=run_id)  # registered by our own API

    found = client.search_registered_models(filter_string="name LIKE 'churn%'")
    assert [m.name for m in found] == ["churn-a", "churn-b"]
    page = client.search_registered_models(max_results=2)
    assert [m.name for m in page] == ["churn-a", "churn-b"] and page.token
    rest = client.search_registered_models(max_results=2, page_token=page.token)
    assert [m.name for m in rest] == ["native", "other"] and not rest.token

    versions = client.search_model_versions(f"run_id = '{run_id}' AND name = 'native'")
    assert [(v.name, v.version, v.source) for v in versions] == [("native", "1", ours.source)]

    client.update_registered_model("other", description="changed")
    assert mlops.get_model("other").description == "changed"
    client.update_model_version("other", "1", description="v1 notes")
    assert mlops.get_model_version("other/1").description == "v1 notes"
    assert client.get_registered_model("other").latest_versions[0].version == "1"

    client.set_registered_model_alias("other", "staging", "1")
    client.delete_registered_model_alias("other", "staging")
    assert list(mlops.alias_history("other", "staging")["via"]) == ["delete_alias", "set_alias"]
    client.delete_model_version("churn-b", "1")
    assert mlops.list_versions("churn-b") == []
    client.delete_registered_model("other")
    assert "other" not in list(mlops.list_models()["name"])


def test_create_existing_model_says_already_exists(client):
    client.create_registered_model("dup")
    with pytest.raises(MlflowException) as err:
        client.create_registered_model("dup")
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_unknown_model_and_version_are_not_found(client, fitted, tmp_path):
    with pytest.raises(MlflowException) as err:
        client.get_registered_model("nope")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    run_id = log_mlflow_model(fitted[0], tmp_path)
    client.create_model_version("m", f"runs:/{run_id}/model", run_id=run_id)
    with pytest.raises(MlflowException) as err:
        client.get_model_version("m", "7")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert "no version 7" in err.value.message


def test_alias_to_missing_version_is_refused_and_not_recorded(client, fitted, tmp_path):
    run_id = log_mlflow_model(fitted[0], tmp_path)
    client.create_model_version("m", f"runs:/{run_id}/model", run_id=run_id)
    with pytest.raises(MlflowException) as err:
        client.set_registered_model_alias("m", "production", "5")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert len(mlops.alias_history("m")) == 0
    with pytest.raises(MlflowException) as err:
        client.get_model_version_by_alias("m", "production")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_source_without_mlmodel_is_refused_and_registers_nothing(client, tmp_path):
    with mlops.start_run("plain", experiment="reg", capture_context=False) as run:
        run.log_artifact(b"not a model", "model/readme.txt")
    with pytest.raises(MlflowException) as err:
        client.create_model_version("m", f"runs:/{run.id}/model", run_id=run.id)
    assert "no MLmodel" in err.value.message
    assert "m" not in list(mlops.list_models()["name"])
