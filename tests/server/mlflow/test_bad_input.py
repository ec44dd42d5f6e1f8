"""Bad input over MLflow's API not covered beside the features: each refused whole, in MLflow's words."""

from __future__ import annotations

import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException

import jupyter_mlops as mlops

mlflow = pytest.importorskip("mlflow")


def test_more_than_1000_entities_in_all_is_refused_whole(tracking_server):
    client = MlflowClient()
    run = client.create_run(client.create_experiment("total"))
    body = {
        "run_id": run.info.run_id,
        "metrics": [{"key": f"m{i}", "value": 1.0, "timestamp": 0, "step": 0} for i in range(950)],
        "params": [{"key": f"p{i}", "value": "v"} for i in range(60)],
    }
    resp = requests.post(f"{tracking_server}/api/2.0/mlflow/runs/log-batch", json=body)
    assert resp.status_code == 400
    reply = resp.json()
    assert reply["error_code"] == "INVALID_PARAMETER_VALUE" and "1000" in reply["message"]
    got = mlops.get_run(run.info.run_id)
    assert not got.metrics and not got.params


def test_unknown_run_and_experiment_ids_everywhere(tracking_server):
    client = MlflowClient()
    nobody = "0" * 32
    calls = [
        lambda: client.log_batch(nobody, metrics=[Metric("m", 1.0, 0, 0)]),
        lambda: client.log_param(nobody, "p", "v"),
        lambda: client.set_tag(nobody, "t", "v"),
        lambda: client.update_run(nobody, status="FINISHED"),
        lambda: client.delete_run(nobody),
        lambda: client.get_metric_history(nobody, "m"),
        lambda: client.search_runs(["987654"]),
        lambda: client.delete_experiment("987654"),
        lambda: client.rename_experiment("987654", "x"),
    ]
    for n, call in enumerate(calls):
        with pytest.raises(MlflowException) as err:
            call()
        assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST", n


@pytest.mark.parametrize(
    ("filter_string", "order_by"),
    [
        ("metrics.acc >", None),
        ("acc = 1", None),
        ("params.depth = 3", None),  # a param compares with a quoted string
        ("metrics.acc = 'high'", None),
        ("tags.team = 'a' OR tags.team = 'b'", None),
        (None, ["metrics.acc SIDEWAYS"]),
    ],
)
def test_malformed_filters_and_orders_are_invalid(tracking_server, filter_string, order_by):
    client = MlflowClient()
    exp = client.create_experiment("filters")
    with pytest.raises(MlflowException) as err:
        client.search_runs([exp], filter_string or "", order_by=order_by)
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"


def test_a_changed_param_in_a_batch_writes_nothing_of_it(tracking_server):
    client = MlflowClient()
    run = client.create_run(client.create_experiment("immutable"))
    rid = run.info.run_id
    client.log_param(rid, "lr", "0.1")
    with pytest.raises(MlflowException) as err:
        client.log_batch(
            rid, metrics=[Metric("loss", 0.5, 0, 0)], params=[Param("lr", "0.2")], tags=[]
        )
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    got = mlops.get_run(rid)
    assert got.params == {"lr": "0.1"} and got.metrics == {}
