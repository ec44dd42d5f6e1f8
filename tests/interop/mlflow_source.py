"""A real MLflow store made with MLflow itself, for the import tests (not a test module)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class MlflowSource:
    uri: str
    parent_id: str
    child_id: str
    running_id: str
    other_id: str
    features: np.ndarray
    probabilities: np.ndarray


def make_mlflow_store(root: Path) -> MlflowSource:
    """Nested runs, metric histories with steps, params, tags, artifacts (a folder, a name our
    rules refuse), a sklearn model registered as version 1 (skops, MLflow's default) and 2
    (cloudpickle) with an alias each, a RUNNING run, a second experiment."""
    import mlflow
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    uri = f"sqlite:///{root / 'mlflow.db'}"
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        client = MlflowClient(uri, uri)
        exp = client.create_experiment(
            "churn", artifact_location=(root / "artifacts").as_uri(), tags={"team": "risk"}
        )
        other = client.create_experiment("other", artifact_location=(root / "other").as_uri())
        files = root / "files"
        (files / "plots" / "deep").mkdir(parents=True)
        (files / "plots" / "a.txt").write_text("A")
        (files / "plots" / "deep" / "b.bin").write_bytes(bytes(range(256)))
        (files / "weird+name.txt").write_text("refused here")
        x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [5.0, 0.0]])
        with mlflow.start_run(experiment_id=exp, run_name="parent") as parent:
            mlflow.log_params({"lr": 0.1, "model": "logreg"})
            mlflow.set_tags({"stage": "dev", "note": "hello"})
            for step in range(0, 50, 5):
                mlflow.log_metric(
                    "loss", 1.0 / (step + 1), step=step, timestamp=1_700_000_000_000 + step
                )
            mlflow.log_metric("loss", float("nan"), step=60)
            mlflow.log_metric("acc", 0.75)
            mlflow.log_artifacts(str(files / "plots"), artifact_path="plots")
            mlflow.log_artifact(str(files / "weird+name.txt"))
            mlflow.log_text("top", "readme.txt")
            model = LogisticRegression().fit(x, [0, 0, 0, 1, 1, 1])
            mlflow.sklearn.log_model(model, name="model", registered_model_name="churn-model")
            mlflow.sklearn.log_model(
                model,
                name="pickled",
                registered_model_name="churn-model",
                serialization_format="cloudpickle",
            )
            with mlflow.start_run(experiment_id=exp, run_name="child", nested=True) as child:
                mlflow.log_param("fold", 1)
                mlflow.log_metrics({"fold_acc": 0.5}, step=3)
        client.set_registered_model_alias("churn-model", "champion", "1")
        client.set_registered_model_alias("churn-model", "challenger", "2")
        client.update_registered_model("churn-model", description="churn classifier")
        running = client.create_run(exp, run_name="still-going")
        client.log_metric(running.info.run_id, "x", 1.0)
        with mlflow.start_run(experiment_id=other, run_name="elsewhere") as elsewhere:
            mlflow.log_metric("m", 2.0)
    finally:
        mlflow.set_tracking_uri(before)
    return MlflowSource(
        uri,
        parent.info.run_id,
        child.info.run_id,
        running.info.run_id,
        elsewhere.info.run_id,
        x,
        model.predict_proba(x),
    )
