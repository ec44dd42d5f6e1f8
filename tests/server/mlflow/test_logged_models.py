"""MLflow 3's logged models, driven by the real client against ``jupyter mlops tracking-server``."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mlops as mlops

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("sklearn")
from mlflow.exceptions import MlflowException  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


@pytest.fixture(autouse=True)
def experiment(tracking_server):
    """A fresh store each test: the client's remembered experiment id must not leak in."""
    mlflow.set_experiment("logged-models")


@pytest.fixture
def data():
    X = np.random.default_rng(0).normal(size=(80, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def test_log_model_register_alias_and_load(tracking_server, data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    with mlflow.start_run() as run:
        mlflow.log_param("C", 1.0)
        info = mlflow.sklearn.log_model(model, name="model", input_example=X[:2])
    run_id = run.info.run_id
    assert info.model_id.startswith(f"m-{run_id}-")

    client = mlflow.MlflowClient()
    logged = client.get_logged_model(info.model_id)
    assert (logged.name, logged.source_run_id) == ("model", run_id)
    assert logged.artifact_location.endswith(f"/{run_id}/artifacts/model")
    assert logged.params["C"] == "1.0"
    assert "MLmodel" in {a.path.split("/")[-1] for a in client.list_artifacts(run_id, "model")}
    # the files are the run's artifacts here too
    assert "model/MLmodel" in {a.name for a in mlops.get_run(run_id).artifacts}

    mv = mlflow.register_model(f"runs:/{run_id}/model", "churn")
    assert mv.version == "1"
    client.set_registered_model_alias("churn", "production", 1)
    loaded = mlflow.pyfunc.load_model("models:/churn@production")
    assert loaded.predict(X).tolist() == model.predict(X).tolist()
    assert mlops.get_model_version("churn/1").run_id == run_id


def test_finalize_tags_params_search_and_delete(tracking_server, data):
    X, y = data
    client = mlflow.MlflowClient()
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="clf")
        other = mlflow.sklearn.log_model(LogisticRegression(C=0.1).fit(X, y), name="small")
    experiment = run.info.experiment_id

    ready = client.finalize_logged_model(info.model_id, "READY")
    assert str(ready.status) == "READY"
    client.set_logged_model_tags(info.model_id, {"stage": "candidate", "team": "growth"})
    client.delete_logged_model_tag(info.model_id, "team")
    client.log_model_params(info.model_id, {"threshold": "0.4"})
    got = client.get_logged_model(info.model_id)
    assert got.tags["stage"] == "candidate" and "team" not in got.tags
    assert got.params["threshold"] == "0.4"

    found = client.search_logged_models([experiment], filter_string="name = 'small'")
    assert [m.model_id for m in found] == [other.model_id]
    both = client.search_logged_models([experiment], max_results=1)
    assert len(both) == 1 and both.token
    rest = client.search_logged_models([experiment], max_results=1, page_token=both.token)
    assert {both[0].model_id, rest[0].model_id} == {info.model_id, other.model_id}

    client.delete_logged_model(other.model_id)
    with pytest.raises(MlflowException) as missing:
        client.get_logged_model(other.model_id)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_bad_input_in_mlflows_words(tracking_server):
    client = mlflow.MlflowClient()
    with pytest.raises(MlflowException) as unknown:
        client.get_logged_model("m-nosuchrun-abc")
    assert unknown.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as outside:
        mlflow.sklearn.log_model(LogisticRegression(), name="model")  # no run
    assert outside.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "start_run" in outside.value.message
    with mlflow.start_run() as run:
        pass
    with pytest.raises(MlflowException) as bad_filter:
        client.search_logged_models([run.info.experiment_id], filter_string="metrics.acc > 1")
    assert bad_filter.value.error_code == "INVALID_PARAMETER_VALUE"


def test_autolog_grid_search_logs_its_best_model(tracking_server, data):
    from sklearn.model_selection import GridSearchCV

    X, y = data
    mlflow.sklearn.autolog(log_input_examples=False, silent=True)
    try:
        with mlflow.start_run() as run:
            search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)
    client = mlflow.MlflowClient()
    found = client.search_logged_models([run.info.experiment_id])
    names = {m.name for m in found if m.source_run_id == run.info.run_id}
    assert {"model", "best_estimator"} <= names
    mv = mlflow.register_model(f"runs:/{run.info.run_id}/best_estimator", "grid")
    loaded = mlflow.pyfunc.load_model(f"models:/grid/{mv.version}")
    assert loaded.predict(X).tolist() == search.best_estimator_.predict(X).tolist()
