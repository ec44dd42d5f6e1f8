"""MLflow's log-inputs: a dataset that is one of our snapshots links the run to it (lineage)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests
from mlflow import MlflowClient

import jupyter_mlops as mlops

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"x": [0.5, 1.5, 2.5, 3.5], "n": [1, 2, 3, 4], "label": list("abab")})


def _dataset_inputs(run_id: str) -> dict[str, object]:
    return {d.dataset.name: d for d in MlflowClient().get_run(run_id).inputs.dataset_inputs}


def test_a_dataset_that_is_our_snapshot_links_the_run(tracking_server, frame):
    snap = mlops.snapshot(frame, "train")
    mlflow.set_experiment("inputs")
    with mlflow.start_run() as run:
        mlflow.log_input(mlflow.data.from_pandas(frame, name="train"), context="training")
    ours = mlops.snapshots_of_run(run.info.run_id)
    assert [s.ref for s in ours] == [snap.ref]
    assert mlops.runs_of_snapshot(snap.ref) == [run.info.run_id]
    got = _dataset_inputs(run.info.run_id)["train"]
    sent = mlflow.data.from_pandas(frame, name="train")
    assert got.dataset.digest == sent.digest
    assert json.loads(got.dataset.schema) == json.loads(sent._to_mlflow_entity().schema)
    assert json.loads(got.dataset.profile) == {"num_rows": 4, "num_elements": 12}
    assert {t.key: t.value for t in got.tags} == {"mlflow.data.context": "training"}
    record = mlops.get_run(run.info.run_id).info.context["mlflow_inputs"][0]
    assert record["kind"] == "snapshot" and record["snapshot"] == snap.ref


def test_a_dataset_of_another_shape_is_recorded_not_linked(tracking_server, frame):
    mlops.snapshot(frame, "train")
    other = frame.iloc[:3]
    mlflow.set_experiment("inputs")
    with mlflow.start_run() as run:
        mlflow.log_input(mlflow.data.from_pandas(other, name="train"), context="training")
        mlflow.log_input(mlflow.data.from_pandas(frame, name="holdout"), context="eval")
    assert mlops.snapshots_of_run(run.info.run_id) == []
    got = _dataset_inputs(run.info.run_id)
    assert set(got) == {"train", "holdout"}
    assert json.loads(got["train"].dataset.profile)["num_rows"] == 3
    records = mlops.get_run(run.info.run_id).info.context["mlflow_inputs"]
    assert {r["kind"] for r in records} == {"mlflow-dataset"}
    assert {r["name"]: r["digest"] for r in records} == {
        n: d.dataset.digest for n, d in got.items()
    }


def test_logging_the_same_dataset_twice_keeps_one_input(tracking_server, frame):
    mlops.snapshot(frame, "train")
    mlflow.set_experiment("inputs")
    with mlflow.start_run() as run:
        for _ in range(2):
            mlflow.log_input(mlflow.data.from_pandas(frame, name="train"), context="training")
    assert len(MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs) == 1
    assert len(mlops.snapshots_of_run(run.info.run_id)) == 1


def test_search_runs_reports_the_inputs(tracking_server, frame):
    mlflow.set_experiment("inputs")
    with mlflow.start_run() as run:
        mlflow.log_input(mlflow.data.from_pandas(frame, name="train"))
    (found,) = MlflowClient().search_runs([run.info.experiment_id])
    assert [d.dataset.name for d in found.inputs.dataset_inputs] == ["train"]


@pytest.mark.parametrize(
    "datasets, words",
    [
        ([{"dataset": {"digest": "x"}}], "name"),
        ([{"dataset": {"name": "d", "digest": "x", "profile": "{not json"}}], "profile"),
        ([{"dataset": {"name": "d", "digest": "x", "schema": "[1]"}}], "schema"),
        ([{"dataset": {"name": "d"}}], "digest"),
    ],
)
def test_bad_datasets_are_refused_whole(tracking_server, datasets, words):
    run = MlflowClient().create_run("0")
    good = {"dataset": {"name": "fine", "digest": "abc", "source_type": "code", "source": "{}"}}
    resp = requests.post(
        f"{tracking_server}/api/2.0/mlflow/runs/log-inputs",
        json={"run_id": run.info.run_id, "datasets": [good, *datasets]},
    )
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error_code"] == "INVALID_PARAMETER_VALUE" and words in body["message"]
    assert MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs == []


def test_inputs_for_an_unknown_run_are_not_found(tracking_server):
    resp = requests.post(
        f"{tracking_server}/api/2.0/mlflow/runs/log-inputs",
        json={"run_id": "0" * 32, "datasets": [{"dataset": {"name": "d", "digest": "x"}}]},
    )
    assert resp.status_code == 404 and resp.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_a_model_registered_through_mlflow_has_the_snapshot_in_its_lineage(tracking_server, frame):
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    snap = mlops.snapshot(frame, "train")
    mlflow.set_experiment("inputs")
    with mlflow.start_run() as run:
        mlflow.log_input(mlflow.data.from_pandas(frame, name="train"), context="training")
        model = LogisticRegression().fit(frame[["x", "n"]], frame["label"])
        mlflow.sklearn.log_model(model, name="model")
    mlflow.register_model(f"runs:/{run.info.run_id}/model", "from-inputs")
    lineage = mlops.lineage("from-inputs/1")
    assert lineage.run.run_id == run.info.run_id
    assert [s["ref"] for s in lineage.snapshots] == [snap.ref]
