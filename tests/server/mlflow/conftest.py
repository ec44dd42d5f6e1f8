"""The real MLflow client pointed at our servers: standalone (a thread here) or the Jupyter one."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

mlflow = pytest.importorskip("mlflow")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mlflow_env(tmp_path, monkeypatch):
    """No MLflow setting from outside leaks in; a misconfigured client would write under tmp."""
    for var in (
        "MLFLOW_TRACKING_URI",
        "MLFLOW_TRACKING_TOKEN",
        "MLFLOW_EXPERIMENT_ID",
        "MLFLOW_EXPERIMENT_NAME",
        "MLFLOW_RUN_ID",
        "MLFLOW_REGISTRY_URI",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.chdir(tmp_path)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


@pytest.fixture
def tracking_server(mlops_home, mlflow_env, monkeypatch):
    """``jupyter mlops tracking-server``'s app on a free loopback port; yields its URI."""
    from jupyter_mlops.server.mlflow.app import make_app

    port = free_port()
    ready = threading.Event()
    state: dict = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        state["loop"] = loop
        state["server"] = make_app().listen(port, address="127.0.0.1")
        loop.call_soon(ready.set)
        loop.run_forever()
        state["server"].stop()
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    uri = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield uri
    state["loop"].call_soon_threadsafe(state["loop"].stop)
    thread.join(10)
