"""The standalone MLflow server (``jupyter mlops tracking-server``) on a free loopback port."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def standalone_server(token: str | None = None) -> Iterator[str]:
    """Serve ``make_app(token)`` from a thread with its own event loop; yields its URL."""
    from jupyter_mlops.server.mlflow.app import make_app

    port = free_port()
    started = threading.Event()
    state: dict = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = make_app(token).listen(port, address="127.0.0.1", max_body_size=64 << 20)
        state["loop"] = loop
        started.set()
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=run, name="mlflow-standalone", daemon=True)
    thread.start()
    assert started.wait(30), "the standalone MLflow server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        state["loop"].call_soon_threadsafe(state["loop"].stop)
        thread.join(30)
