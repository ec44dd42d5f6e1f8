"""The standalone tracking server's app: replies compressed for remote clients only."""

from __future__ import annotations

import gzip

import requests
from tornado.httputil import HTTPHeaders, HTTPServerRequest

from jupyter_mlops.server.mlflow.app import make_app


def _first_chunk(remote_ip: str, body: bytes) -> tuple[HTTPHeaders, bytes]:
    request = HTTPServerRequest(
        method="POST",
        uri="/api/2.0/mlflow/runs/search",
        headers=HTTPHeaders({"Accept-Encoding": "gzip"}),
    )
    request.remote_ip = remote_ip
    (transform,) = make_app().transforms
    headers = HTTPHeaders({"Content-Type": "application/json"})
    _, headers, chunk = transform(request).transform_first_chunk(200, headers, body, True)
    return headers, chunk


def test_a_remote_client_gets_gzip_a_local_one_the_plain_reply() -> None:
    body = b'{"runs": [' + b'{"info": {"run_id": "abc"}},' * 400 + b"{}]}"
    headers, chunk = _first_chunk("10.1.2.3", body)
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(chunk) == body
    assert len(chunk) < len(body) / 10
    for local in ("127.0.0.1", "::1"):
        headers, chunk = _first_chunk(local, body)
        assert "Content-Encoding" not in headers and chunk == body


def test_the_server_does_not_compress_for_this_machine(tracking_server) -> None:
    from mlflow import MlflowClient

    exp = MlflowClient().create_experiment("plain")
    for _ in range(20):
        MlflowClient().create_run(exp)
    reply = requests.post(
        f"{tracking_server}/api/2.0/mlflow/runs/search",
        json={"experiment_ids": [exp]},
        headers={"Accept-Encoding": "gzip"},
    )
    assert reply.ok and len(reply.json()["runs"]) == 20
    assert "Content-Encoding" not in reply.headers and len(reply.content) > 1024
