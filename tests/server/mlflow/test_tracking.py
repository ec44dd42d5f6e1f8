"""MLflow's own client against the standalone tracking server: runs, metrics, search, errors."""

from __future__ import annotations

import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException

import jupyter_mlops as mlops

mlflow = pytest.importorskip("mlflow")


def test_a_fluent_run_reads_back_through_our_api(tracking_server):
    mlflow.set_experiment("churn")
    with mlflow.start_run(run_name="first") as run:
        mlflow.log_param("alpha", 0.5)
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.set_tags({"team": "ml", "stage": "dev"})
    ours = mlops.get_run(run.info.run_id)
    assert ours.info.name == "first" and ours.info.experiment == "churn"
    assert ours.info.source_type == "mlflow" and ours.info.status.value == "FINISHED"
    assert ours.params == {"alpha": "0.5"}
    assert ours.metrics["loss"] == pytest.approx(0.2)
    assert ours.tags["team"] == "ml" and "mlflow.source.name" in ours.tags
    history = mlops.get_metric_history(run.info.run_id, "loss")
    assert list(history["step"]) == [0, 1, 2, 3, 4]
    client_history = MlflowClient().get_metric_history(run.info.run_id, "loss")
    assert [m.value for m in client_history] == pytest.approx(list(history["value"]))
    frame = mlops.search_runs("churn")
    assert list(frame["run_id"]) == [run.info.run_id]


def test_metric_history_pages(tracking_server):
    client = MlflowClient()
    exp = client.create_experiment("paging")
    run = client.create_run(exp)
    points = [Metric("m", float(i), 1000 + i, i) for i in range(250)]
    client.log_batch(run.info.run_id, metrics=points)
    page = client.get_metric_history(run.info.run_id, "m")
    assert [m.step for m in page] == list(range(250))
    raw = requests.get(
        f"{tracking_server}/api/2.0/mlflow/metrics/get-history",
        params={"run_id": run.info.run_id, "metric_key": "m", "max_results": 100},
    ).json()
    assert len(raw["metrics"]) == 100 and raw["next_page_token"]
    second = requests.get(
        f"{tracking_server}/api/2.0/mlflow/metrics/get-history",
        params={
            "run_id": run.info.run_id,
            "metric_key": "m",
            "max_results": 200,
            "page_token": raw["next_page_token"],
        },
    ).json()
    assert [m["step"] for m in second["metrics"]] == list(range(100, 250))
    assert "next_page_token" not in second


def test_search_runs_filters_orders_and_pages(tracking_server):
    client = MlflowClient()
    exp = client.create_experiment("search")
    ids = {}
    for i in range(7):
        run = client.create_run(
            exp, run_name=f"r{i}", tags={"kind": "even" if i % 2 == 0 else "odd"}
        )
        client.log_batch(
            run.info.run_id, metrics=[Metric("acc", i / 10, 0, 0)], params=[Param("depth", str(i))]
        )
        client.set_terminated(run.info.run_id)
        ids[i] = run.info.run_id
    found = client.search_runs(
        [exp], "metrics.acc >= 0.3 and tags.kind = 'even'", order_by=["metrics.acc DESC"]
    )
    assert [r.info.run_id for r in found] == [ids[6], ids[4]]
    found = client.search_runs([exp], "attributes.run_name = 'r2'")
    assert [r.info.run_id for r in found] == [ids[2]]
    found = client.search_runs([exp], "params.`depth` = '5'")
    assert [r.data.params["depth"] for r in found] == ["5"]
    page1 = client.search_runs([exp], order_by=["metrics.acc ASC"], max_results=3)
    assert [r.info.run_id for r in page1] == [ids[0], ids[1], ids[2]] and page1.token
    page2 = client.search_runs(
        [exp], order_by=["metrics.acc ASC"], max_results=3, page_token=page1.token
    )
    assert [r.info.run_id for r in page2] == [ids[3], ids[4], ids[5]]
    page3 = client.search_runs(
        [exp], order_by=["metrics.acc ASC"], max_results=3, page_token=page2.token
    )
    assert [r.info.run_id for r in page3] == [ids[6]] and not page3.token
    ours = mlops.search_runs("search", filter="metrics.acc >= 0.3 and tags.kind = 'even'")
    assert set(ours["run_id"]) == {ids[4], ids[6]}


def test_a_searched_run_is_the_run_get_returns(tracking_server):
    """search-runs builds its page without get-run's path: the same runs, field for field."""
    client = MlflowClient()
    exp = client.create_experiment("same")
    for i in range(3):
        run = client.create_run(exp, run_name=f"r{i}", tags={"kind": str(i)})
        metrics = [Metric("acc", i / 10, 1000 + i, i), Metric("big", float("inf"), 5, 2)]
        client.log_batch(run.info.run_id, metrics=metrics, params=[Param("depth", str(i))])
        if i == 1:
            client.set_terminated(run.info.run_id)
    found = client.search_runs([exp], order_by=["metrics.acc DESC"])
    assert [r.info.run_name for r in found] == ["r2", "r1", "r0"]
    for run in found:
        assert run.to_dictionary() == client.get_run(run.info.run_id).to_dictionary()
    assert found[1].info.end_time is not None and found[0].info.end_time is None


def test_experiment_crud(tracking_server):
    client = MlflowClient()
    exp_id = client.create_experiment("crud", tags={"owner": "me"})
    assert client.get_experiment(exp_id).tags == {"owner": "me"}
    assert client.get_experiment_by_name("crud").experiment_id == exp_id
    client.rename_experiment(exp_id, "crud2")
    client.set_experiment_tag(exp_id, "k", "v")
    got = client.get_experiment(exp_id)
    assert got.name == "crud2" and got.tags == {"owner": "me", "k": "v"}
    assert [e.name for e in client.search_experiments(filter_string="name LIKE 'crud%'")] == [
        "crud2"
    ]
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    assert client.search_experiments(filter_string="name = 'crud2'") == []
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    with pytest.raises(MlflowException) as err:
        client.create_experiment("crud2")
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_run_update_delete_restore_and_delete_tag(tracking_server):
    client = MlflowClient()
    exp = client.create_experiment("life")
    run = client.create_run(exp, tags={"x": "1"})
    rid = run.info.run_id
    client.update_run(rid, status="FINISHED", name="renamed")
    client.delete_tag(rid, "x")
    got = client.get_run(rid)
    assert got.info.run_name == "renamed" and got.info.status == "FINISHED"
    assert "x" not in got.data.tags
    client.log_batch(rid, params=[Param("late", "ok")])  # MLflow logs into ended runs
    assert mlops.get_run(rid).params == {"late": "ok"}
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"
    assert client.search_runs([exp]) == []
    client.restore_run(rid)
    assert [r.info.run_id for r in client.search_runs([exp])] == [rid]


def test_errors_in_mlflow_shape(tracking_server):
    client = MlflowClient()
    exp = client.create_experiment("bad")
    run = client.create_run(exp)
    rid = run.info.run_id
    with pytest.raises(MlflowException) as err:
        client.get_run("0" * 32)
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as err:
        client.get_experiment("987654")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as err:
        client.create_run("987654")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as err:
        client.search_runs([exp], "metrics.acc >>> 1 and")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    client.log_param(rid, "lr", "0.1")
    with pytest.raises(MlflowException) as err:
        client.log_param(rid, "lr", "0.2")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "Changing param values is not allowed" in err.value.message
    assert mlops.get_run(rid).params == {"lr": "0.1"}


@pytest.mark.parametrize(
    ("field", "count", "words"),
    [
        ("metrics", 1001, "at most 1000 metrics"),
        ("params", 101, "at most 100 params"),
        ("tags", 101, "at most 100 tags"),
    ],
)
def test_log_batch_over_the_limits_is_refused_whole(tracking_server, field, count, words):
    client = MlflowClient()
    run = client.create_run(client.create_experiment("limits"))
    item = (
        (lambda i: {"key": f"k{i}", "value": 1.0, "timestamp": 0, "step": 0})
        if field == "metrics"
        else (lambda i: {"key": f"k{i}", "value": "v"})
    )
    resp = requests.post(
        f"{tracking_server}/api/2.0/mlflow/runs/log-batch",
        json={"run_id": run.info.run_id, field: [item(i) for i in range(count)]},
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["error_code"] == "INVALID_PARAMETER_VALUE" and words in body["message"]
    got = mlops.get_run(run.info.run_id)
    assert not got.metrics and not got.params and not {k for k in got.tags if k.startswith("k")}


def test_a_request_over_one_megabyte_is_refused(tracking_server):
    client = MlflowClient()
    run = client.create_run(client.create_experiment("big"))
    resp = requests.post(
        f"{tracking_server}/api/2.0/mlflow/runs/log-batch",
        json={"run_id": run.info.run_id, "tags": [{"key": "t", "value": "x" * (1024 * 1024)}]},
    )
    assert resp.status_code == 400 and resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_unknown_endpoint_and_token(mlops_home, mlflow_env, monkeypatch):
    from tornado.testing import AsyncHTTPTestCase  # noqa: F401  (tornado is there)

    from jupyter_mlops.server.mlflow.app import make_app

    app = make_app(token="s3cret")
    import asyncio

    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    async def go():
        server = app.listen(0, address="127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        url = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get?experiment_id=0"
        try:
            try:
                await AsyncHTTPClient().fetch(url)
            except HTTPClientError as exc:
                denied = exc.code
            ok = await AsyncHTTPClient().fetch(url, headers={"Authorization": "Bearer s3cret"})
            return denied, ok.code
        finally:
            server.stop()

    assert asyncio.run(go()) == (401, 200)


def test_sklearn_autolog_with_grid_search(tracking_server):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    mlflow.set_experiment("autolog")
    mlflow.sklearn.autolog(log_models=False, log_datasets=True, silent=True)
    try:
        X, y = load_iris(return_X_y=True)
        with mlflow.start_run() as run:
            GridSearchCV(LogisticRegression(max_iter=200), {"C": [0.1, 1.0]}, cv=3).fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)
    ours = mlops.get_run(run.info.run_id)
    assert ours.params["best_C"] in ("0.1", "1.0")
    assert "best_cv_score" in ours.metrics
    theirs = MlflowClient().get_run(run.info.run_id)
    assert theirs.data.params == ours.params
    assert theirs.data.metrics == pytest.approx(ours.metrics)
    children = mlops.search_runs("autolog", children=True)
    assert len(children) == 3  # the parent and one child per candidate
    assert set(children["parent_run_id"].dropna()) == {run.info.run_id}
