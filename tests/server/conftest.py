"""A real jupyter_server with the extension enabled, over a temporary store."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest


@pytest.fixture
def jp_server_config(mlops_home):
    # Depending on mlops_home makes the temporary store exist before the server starts.
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}}}


@pytest.fixture
def api(jp_fetch) -> Callable:
    """``await api("runs", params={...})`` -> (status, parsed JSON), errors included."""
    from tornado.httpclient import HTTPClientError

    async def call(path: str, *, method: str = "GET", body=None, params=None):
        kwargs = {"method": method, "params": params or {}}
        if body is not None:
            kwargs["body"] = json.dumps(body) if not isinstance(body, (str, bytes)) else body
        elif method == "POST":
            kwargs["body"] = "{}"
        try:
            resp = await jp_fetch("mlops", "api", *path.split("/"), **kwargs)
        except HTTPClientError as err:
            return err.code, json.loads(err.response.body) if err.response else None
        return resp.code, json.loads(resp.body)

    return call


@pytest.fixture
def raw(http_server_client, jp_http_port, jp_base_url, jp_auth_header) -> Callable:
    """``await raw(path, body=None)`` with ``path`` sent exactly as written (``%2F`` stays)."""
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    async def call(path: str, *, body=None):
        url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlops/api/{path}"
        method = "GET" if body is None else "POST"
        data = None if body is None else json.dumps(body)
        try:
            resp = await AsyncHTTPClient().fetch(
                url, method=method, body=data, headers=jp_auth_header
            )
        except HTTPClientError as err:
            return err.code, json.loads(err.response.body) if err.response else None
        return resp.code, json.loads(resp.body)

    return call


def seed_runs(n: int, experiment: str = "exp") -> list[str]:
    import jupyter_mlops as mlops

    ids = []
    for i in range(n):
        with mlops.start_run(
            f"run-{i}",
            experiment=experiment,
            params={"i": i, "model": "rf" if i % 2 else "lr"},
            capture_context=False,
        ) as run:
            run.log_metric("acc", i / 10)
            ids.append(run.id)
    return ids
