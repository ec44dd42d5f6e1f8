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
from jupyter_mlops.registry import UntrustedModel
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
    assert status == 200 and body == {"predictions": expected, "ids": body["ids"], "version": 1}
    assert len(set(body["ids"])) == 5
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
    assert body["predictions"] == fitted.predict(X.head(10)).tolist() and body["version"] == 1
    assert 0 in body["predictions"]
    mlops.set_alias("cancer", "production", 2, reason="switch")
    wait_for(
        lambda: client.call("GET", "/health")[1]["version"] == 2,
        what="the server to pick up version 2",
    )
    _, body = client.call("POST", "/predict", rows)
    assert body["predictions"] == [1] * 10 and body["version"] == 2  # the constant model
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


def cli_serve(port: int, ref: str, *args: str, env: dict[str, str]) -> subprocess.Popen:
    """``jupyter mlops serve REF`` in a subprocess, returned once ``/health`` answers."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "serve", ref,
         "--port", str(port), *args],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def healthy():
        try:
            return Client(port).call("GET", "/health")
        except OSError:
            assert proc.poll() is None, proc.communicate()
            return None

    try:
        wait_for(healthy, timeout=60, what="the CLI server")
    except BaseException:
        proc.kill()
        proc.communicate(timeout=30)
        raise
    return proc


def test_cli_serve_in_a_subprocess(store, train, cancer, mlops_home):
    train("cancer", accuracy=0.9)
    mlops.set_alias("cancer", "production", 1)
    port = _free_port()
    proc = cli_serve(port, "cancer@production", "--refresh", "0.2",
                     env={"MLOPS_HOME": str(mlops_home)})  # fmt: skip
    try:
        assert Client(port).call("GET", "/health")[1]["version"] == 1
        status, body = Client(port).call(
            "POST", "/predict", cancer[0].head(2).to_dict(orient="records")
        )
        assert status == 200 and len(body["predictions"]) == 2
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"serving cancer@production (version 1) on http://127.0.0.1:{port}" in out


def test_deeply_nested_json_is_a_400(served):
    _, client = served
    nested = b"[" * 2000 + b"]" * 2000
    status, body = client.call("POST", "/predict", nested, raw=True)
    assert status == 400 and "nested" in body["error"]
    status, body = client.call("POST", "/predict", {"columns": {"x": [[[[[[1]]]]]]}})
    assert status == 400
    for depth in (900, 960, 990, 999):  # parsed, but nearly at the limit when handled
        value = b"[" * depth + b"]" * depth
        status, body = client.call(
            "POST", "/predict", b'[{"mean radius": ' + value + b"}]", raw=True
        )
        assert status == 400, depth
    assert client.call("GET", "/health")[0] == 200


# -- authentication ------------------------------------------------------------------
@pytest.fixture
def guarded(store, train):
    train("cancer", accuracy=0.9)
    server = start_background("cancer/1", token="s3cret-token")
    yield server, Client(server.port)
    server.stop()


def test_token_is_required_on_every_route_but_health_and_ping(guarded, cancer):
    _server, client = guarded
    rows = cancer[0].head(2).to_dict(orient="records")
    assert client.call("GET", "/health")[0] == 200
    status, body = client.call("GET", "/ping")
    assert status == 200 and body["status"] == "ok"
    refused = [
        ("GET", "/metadata", None, {}),
        ("POST", "/predict", rows, {}),
        ("POST", "/invocations", rows, {}),
        ("GET", "/elsewhere", None, {}),
        ("POST", "/predict", rows, {"Authorization": "Bearer wrong"}),
        ("POST", "/predict", rows, {"Authorization": "s3cret-token"}),
        ("GET", "/metadata?token=s3cret-token", None, {}),  # never in a URL: URLs get logged
    ]
    for method, path, payload, headers in refused:
        status, body = client.call(method, path, payload, headers)
        assert status == 401, (method, path, headers)
        message = body.get("error") or body["message"]  # /invocations: MLflow's error shape
        assert "token" in message and "s3cret" not in message
    for auth in ("Bearer s3cret-token", "token s3cret-token", "bearer  s3cret-token"):
        status, body = client.call("POST", "/predict", rows, {"Authorization": auth})
        assert status == 200 and len(body["predictions"]) == 2, auth
    status, meta = client.call("GET", "/metadata", headers={"Authorization": "Bearer s3cret-token"})
    assert status == 200 and "s3cret-token" not in json.dumps(meta)


def test_token_must_be_a_usable_string(store, train):
    from jupyter_mlops.errors import InvalidArgument

    train("cancer", accuracy=0.9)
    for bad in ("", "has space", 123):
        with pytest.raises(InvalidArgument, match="token"):
            start_background("cancer/1", token=bad)


def test_binding_beyond_loopback_without_a_token_warns(store, train, monkeypatch):
    from click.testing import CliRunner

    from jupyter_mlops.cli import main
    from jupyter_mlops.registry import serve as serve_module

    calls = []
    monkeypatch.setattr(serve_module, "serve", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.delenv("MLOPS_SERVE_TOKEN", raising=False)
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "m@production", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "without a token" in result.stderr and "--token" in result.stderr
    assert calls[-1][1]["token"] is None
    result = runner.invoke(main, ["serve", "m@production"])  # loopback: no warning
    assert result.exit_code == 0 and "warning" not in result.stderr
    result = runner.invoke(
        main, ["serve", "m@production", "--host", "0.0.0.0"], env={"MLOPS_SERVE_TOKEN": "abc"}
    )
    assert result.exit_code == 0 and "without a token" not in result.stderr
    assert calls[-1][1]["token"] == "abc"
    result = runner.invoke(main, ["serve", "m@production", "--token", "xyz", "--trust", "a.b"])
    assert calls[-1][1]["token"] == "xyz" and calls[-1][1]["trusted"] == ["a.b"]


def test_cli_serve_with_a_token_from_the_environment(store, train, cancer, mlops_home):
    train("cancer", accuracy=0.9)
    port = _free_port()
    env = {"MLOPS_HOME": str(mlops_home), "MLOPS_SERVE_TOKEN": "from-env"}
    proc = cli_serve(port, "cancer/1", env=env)  # /health needs no token
    try:
        rows = cancer[0].head(2).to_dict(orient="records")
        assert Client(port).call("POST", "/predict", rows)[0] == 401
        auth = {"Authorization": "Bearer from-env"}
        assert Client(port).call("POST", "/predict", rows, auth)[0] == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


# -- untrusted models are never run, not even by the start-up probe ------------------------
def test_serve_refuses_a_crafted_model_before_the_probe_runs(store, tmp_path, mlops_home):
    from tests.conftest import run_python
    from tests.registry.test_serialize import CRAFT

    out = tmp_path / "payload"
    out.mkdir()
    proc = run_python(CRAFT, env={"CRAFT_TARGET": str(out / "written")})
    assert proc.returncode == 0, proc.stderr
    cli = [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "serve"]
    served = subprocess.run(
        [*cli, "exec-chain/1", "--port", str(_free_port())],
        env={**os.environ, "MLOPS_HOME": str(mlops_home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert list(out.iterdir()) == []
    assert served.returncode == 2, served.stderr
    assert "numpy.testing._private.utils.measure" in served.stderr
    with pytest.raises(UntrustedModel, match="numpy.full_like"):
        start_background("writes-file/1")
    assert list(out.iterdir()) == []


def test_alias_moved_to_an_untrusted_version_keeps_the_old_one(served, tmp_path, caplog):
    from tests.conftest import run_python
    from tests.registry.test_serialize import CRAFT

    _server, client = served
    out = tmp_path / "payload"
    out.mkdir()
    assert run_python(CRAFT, env={"CRAFT_TARGET": str(out / "written")}).returncode == 0
    v = mlops.register_model("cancer", mlops.load_model("exec-chain/1", trusted=True), trusted=True)
    with caplog.at_level("ERROR", logger="jupyter_mlops.registry.serve"):
        mlops.set_alias("cancer", "production", v.version)
        wait_for(
            lambda: any("could not refresh" in r.getMessage() for r in caplog.records),
            what="the refresh to refuse the untrusted version",
        )
    assert list(out.iterdir()) == []
    assert client.call("GET", "/health")[1]["version"] == 1
    assert any("measure" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_predict_takes_a_csv_body_like_invocations(served, cancer, fitted):
    _, client = served
    X, _ = cancer
    rows = X.head(3)
    csv = rows.to_csv(index=False).encode()
    status, body = client.call(
        "POST", "/predict", csv, {"Content-Type": "text/csv; charset=utf-8"}, raw=True
    )
    assert status == 200, body
    assert body["predictions"] == fitted.predict(rows).tolist() and len(body["ids"]) == 3
    status, body = client.call("POST", "/predict", b"a,b\n", {"Content-Type": "text/csv"}, raw=True)
    assert status == 400 and "no rows" in body["error"]
    status, body = client.call("POST", "/predict", csv, {"Content-Type": "text/plain"}, raw=True)
    assert status == 415 and "text/csv" in body["error"]
