"""The model server over real HTTP on loopback: predict, bad payloads, limits, alias moves."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import NotFound
from jupyter_mlops.registry.serve import start_background
from tests.conftest import _free_port, wait_for


class Client:
    """One keep-alive connection, like a real client."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body=None, headers=None, raw: bool = False):
        if body is not None and not raw:
            body = json.dumps(body)
        try:
            self.conn.request(
                method, path, body, {"Content-Type": "application/json", **(headers or {})}
            )
            resp = self.conn.getresponse()
            data = resp.read()
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            raise
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return resp.status, json.loads(data)


@pytest.fixture
def served(store, train, constant):
    train("cancer", accuracy=0.9)
    train("cancer", constant, accuracy=0.5)
    mlops.set_alias("cancer", "production", 1)
    server = start_background("cancer@production", refresh_interval=0.1, max_body_bytes=64 * 1024)
    yield server, Client(server.port)
    server.stop()


def test_health_and_metadata(served, cancer):
    server, client = served
    assert server.url.startswith("http://127.0.0.1:")
    status, body = client.call("GET", "/health")
    assert status == 200 and body == {
        "status": "ok",
        "model": "cancer",
        "ref": "cancer@production",
        "version": 1,
    }
    status, meta = client.call("GET", "/metadata")
    assert status == 200 and meta["version"] == 1 and meta["format"] == "skops"
    assert [c["name"] for c in meta["signature"]["inputs"]] == list(cancer[0].columns)
    assert meta["max_body_bytes"] == 64 * 1024


def test_predict_records_and_columns_match_the_model(served, cancer, fitted):
    _, client = served
    X, _ = cancer
    rows = X.head(5)
    expected = fitted.predict(rows).tolist()
    status, body = client.call("POST", "/predict", rows.to_dict(orient="records"))
    assert status == 200 and body == {"predictions": expected, "version": 1}
    status, body = client.call("POST", "/predict", {"columns": rows.to_dict(orient="list")})
    assert body["predictions"] == expected
    split = {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}
    status, body = client.call("POST", "/invocations", {"dataframe_split": split})
    assert status == 200 and body["predictions"] == expected
    status, body = client.call(
        "POST", "/predict?proba=true", rows.head(1).to_dict(orient="records")
    )
    assert status == 200 and body["classes"] == [0, 1]
    assert body["predictions"][0] == pytest.approx(fitted.predict_proba(rows.head(1))[0].tolist())


def test_bad_payloads_are_clear_400s(served, cancer):
    _, client = served
    row = cancer[0].iloc[0].to_dict()
    missing = {k: v for k, v in row.items() if k != "mean radius"}
    cases = [
        ([missing], "missing column(s): mean radius"),
        ([{**row, "color": "red"}], "unexpected column(s): color"),
        ([{**row, "mean area": "big"}], "column 'mean area' row 0: expected double, got str 'big'"),
        ({"nope": []}, "expected a list of records"),
        ([], "non-empty"),
    ]
    for payload, message in cases:
        status, body = client.call("POST", "/predict", payload)
        assert status == 400, payload
        assert message in body["error"]
    status, body = client.call("POST", "/predict", b"{not json", raw=True)
    assert status == 400 and "not valid JSON" in body["error"]
    nan_row = json.dumps([{**row, "mean area": 123456.75}]).replace("123456.75", "NaN").encode()
    status, body = client.call("POST", "/predict", nan_row, raw=True)
    assert status == 400 and "NaN is not a JSON number" in body["error"]
    status, body = client.call("GET", "/elsewhere")
    assert status == 404 and "/predict" in body["error"]
    status, body = client.call("GET", "/health")
    assert status == 200  # the connection and the server survived every bad request


def test_huge_payload_gets_413(served, cancer):
    _, client = served
    row = cancer[0].iloc[0].to_dict()
    huge = json.dumps([row] * 200).encode()
    assert len(huge) > 64 * 1024
    status, body = client.call("POST", "/predict", huge, raw=True)
    assert status == 413 and "65536 bytes" in body["error"]
    # chunked, with no Content-Length: refused once the limit is crossed
    chunks = iter([huge[i : i + 16384] for i in range(0, len(huge), 16384)])
    client.conn.request(
        "POST", "/predict", chunks, {"Content-Type": "application/json"}, encode_chunked=True
    )
    resp = client.conn.getresponse()
    assert resp.status == 413 and b"65536 bytes" in resp.read()
    # the same keep-alive connection still works
    status, _ = client.call("POST", "/predict", [row])
    assert status == 200


def test_absurd_content_length_is_refused_before_reading(served):
    server, _ = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"Connection: close" in head
    assert json.loads(body)["status"] == 413


def test_alias_moved_while_serving(served, cancer, fitted):
    _, client = served
    X, _ = cancer
    rows = X.head(10).to_dict(orient="records")
    _, body = client.call("POST", "/predict", rows)
    assert body == {"predictions": fitted.predict(X.head(10)).tolist(), "version": 1}
    assert 0 in body["predictions"]
    mlops.set_alias("cancer", "production", 2, reason="switch")
    wait_for(
        lambda: client.call("GET", "/health")[1]["version"] == 2,
        what="the server to pick up version 2",
    )
    _, body = client.call("POST", "/predict", rows)
    assert body == {"predictions": [1] * 10, "version": 2}  # the constant model
    mlops.delete_alias("cancer", "production")
    status, health = wait_for(
        lambda: (r := client.call("GET", "/health"))[1]["status"] == "alias_missing" and r,
        what="the server to notice the deleted alias",
    )
    assert status == 200 and health["version"] == 2


def test_fixed_version_and_unknown_refs(store, train):
    train("cancer", accuracy=0.9)
    with pytest.raises(NotFound, match="no alias 'production'"):
        start_background("cancer@production")
    with pytest.raises(NotFound, match="model 'nope' does not exist"):
        start_background("nope@production")
    with start_background("cancer/1") as server:
        assert Client(server.port).call("GET", "/health")[1]["version"] == 1


def test_cli_serve_in_a_subprocess(store, train, cancer, mlops_home):
    train("cancer", accuracy=0.9)
    mlops.set_alias("cancer", "production", 1)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from jupyter_mlops.cli import main; main()",
            "serve",
            "cancer@production",
            "--port",
            str(port),
            "--refresh",
            "0.2",
        ],
        env={**os.environ, "MLOPS_HOME": str(mlops_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def healthy():
            try:
                return Client(port).call("GET", "/health")
            except OSError:
                assert proc.poll() is None, proc.communicate()
                return None

        status, body = wait_for(healthy, timeout=60, what="the CLI server")
        assert body["version"] == 1
        status, body = Client(port).call(
            "POST", "/predict", cancer[0].head(2).to_dict(orient="records")
        )
        assert status == 200 and len(body["predictions"]) == 2
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"serving cancer@production (version 1) on http://127.0.0.1:{port}" in out
