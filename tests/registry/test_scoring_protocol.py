"""MLflow's scoring protocol at ``/invocations`` of ``jupyter mlops serve``, over real HTTP.

Driven by MLflow's own ``ScoringServerClient`` where it has one (``invoke``,
``ping``, ``get_version``) and otherwise by plain requests in the formats
MLflow documents: every input format, CSV, the 415 cases, errors in MLflow's
shape, predictions equal to the model's own, every request logged once.
"""

from __future__ import annotations

import json

import pytest
import requests

import jupyter_mlops as mlops
from jupyter_mlops.monitor import LogOptions
from jupyter_mlops.registry.serve import start_background

client_module = pytest.importorskip("mlflow.pyfunc.scoring_server.client")


@pytest.fixture
def served(store, train):
    train("cancer", accuracy=0.9)
    mlops.set_alias("cancer", "production", 1)
    server = start_background(
        "cancer@production", max_body_bytes=64 * 1024, log=LogOptions(window_seconds=3600)
    )
    yield server
    server.stop()


def post(server, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(
        server.url + "/invocations", data=data, headers={"Content-Type": content_type}, timeout=30
    )


def logged_ids() -> list[str]:
    return [
        i for w in mlops.list_windows("cancer") for i in mlops.load_window(w.id)["prediction_id"]
    ]


def test_mlflow_scoring_client_ping_version_and_invoke(served, cancer, fitted):
    X, _ = cancer
    rows = X.head(4)
    client = client_module.ScoringServerClient("127.0.0.1", served.port)
    client.wait_server_ready(timeout=10)
    assert client.get_version() == mlops.__version__
    response = client.invoke(rows)  # a DataFrame goes as dataframe_split
    assert response.get_predictions(predictions_format="ndarray").tolist() == (
        fitted.predict(rows).tolist()
    )
    as_array = client.invoke(rows.to_numpy())  # an ndarray goes as inputs
    assert as_array["predictions"] == fitted.predict(rows).tolist()
    with_params = client.invoke(rows, params={"unused": 1})
    assert with_params["predictions"] == fitted.predict(rows).tolist()


def test_every_json_format_gives_the_models_predictions(served, cancer, fitted):
    X, _ = cancer
    rows = X.iloc[10:13]
    expected = fitted.predict(rows).tolist()
    split = rows.to_dict(orient="split")
    bodies = {
        "dataframe_split": {"dataframe_split": split},
        "dataframe_split without index": {
            "dataframe_split": {"columns": split["columns"], "data": split["data"]}
        },
        "dataframe_records": {"dataframe_records": rows.to_dict(orient="records")},
        "instances (records)": {"instances": rows.to_dict(orient="records")},
        "instances (rows)": {"instances": rows.to_numpy().tolist()},
        "inputs (rows)": {"inputs": rows.to_numpy().tolist()},
        "inputs (columns)": {"inputs": rows.to_dict(orient="list")},
        "with params": {"dataframe_records": rows.to_dict(orient="records"), "params": {"k": 1}},
    }
    for label, body in bodies.items():
        response = post(served, body, "application/json; charset=utf-8")
        assert response.status_code == 200, (label, response.text)
        out = response.json()
        assert out["predictions"] == expected, label
        assert len(out["ids"]) == len(rows)
        assert response.headers["X-Prediction-Ids"] == ",".join(out["ids"])


def test_csv_gives_the_models_predictions(served, cancer, fitted):
    X, _ = cancer
    rows = X.iloc[20:25]
    response = post(served, rows.to_csv(index=False), "text/csv")
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == fitted.predict(rows).tolist()
    bad = rows.head(1).to_csv(index=False).replace(str(rows.iloc[0, 0]), "abc", 1)
    response = post(served, bad, "text/csv")
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert X.columns[0] in response.json()["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/octet-stream",
        "application/json; format=pandas-split",  # MLflow 1.x
        "text/csv; format=pandas-records",
        "application/json; charset=latin-1",
    ],
)
def test_other_content_types_get_415(served, cancer, content_type):
    X, _ = cancer
    response = post(
        served, {"dataframe_records": X.head(1).to_dict(orient="records")}, content_type
    )
    assert response.status_code == 415
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert response.json()["message"]


def test_errors_come_in_mlflows_shape(served, cancer):
    X, _ = cancer
    records = X.head(2).to_dict(orient="records")
    cases = {
        "not JSON": ("{not json", 400, "valid JSON"),
        "a bare list": (json.dumps(records), 400, "exactly one of the input fields"),
        "two formats": (
            json.dumps({"dataframe_records": records, "inputs": [[1.0]]}),
            400,
            "exactly one of the input fields",
        ),
        "a 1.x body": (json.dumps({"columns": list(X.columns)}), 400, "2.0"),
        "a missing column": (
            json.dumps({"dataframe_records": [{k: v for k, v in records[0].items()}] * 1}).replace(
                f'"{X.columns[0]}"', '"nope"'
            ),
            400,
            "missing column",
        ),
        "params not an object": (
            json.dumps({"dataframe_records": records, "params": [1]}),
            400,
            "params",
        ),
    }
    for label, (body, status, words) in cases.items():
        response = post(served, body)
        assert response.status_code == status, (label, response.text)
        error = response.json()
        assert set(error) == {"error_code", "message"}, label
        assert error["error_code"] == "BAD_REQUEST", label
        assert words in error["message"], (label, error["message"])
    too_big = post(served, {"dataframe_records": records * 200})
    assert too_big.status_code == 413
    assert too_big.json()["error_code"] == "BAD_REQUEST"
    wrong_method = requests.get(served.url + "/invocations", timeout=30)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error_code"] == "BAD_REQUEST"


def test_each_request_is_logged_once(served, cancer, fitted):
    X, _ = cancer
    returned = []
    for i in range(6):
        rows = X.iloc[i : i + 2]
        if i % 2:
            response = post(served, rows.to_csv(index=False), "text/csv")
        else:
            response = post(served, {"dataframe_split": rows.to_dict(orient="split")})
        assert response.status_code == 200
        returned += response.json()["ids"]
    post(served, "{bad")  # refused requests are not logged
    served.stop()  # writes the open window
    assert sorted(logged_ids()) == sorted(returned) and len(returned) == 12
    (window,) = mlops.list_windows("cancer")
    frame = mlops.load_window(window.id)
    assert frame["prediction"].tolist() == fitted.predict(frame[list(X.columns)]).tolist()


def test_ping_health_and_version(served):
    assert requests.get(served.url + "/ping", timeout=30).status_code == 200
    assert requests.get(served.url + "/health", timeout=30).status_code == 200
    version = requests.get(served.url + "/version", timeout=30)
    assert version.status_code == 200 and version.text == mlops.__version__
