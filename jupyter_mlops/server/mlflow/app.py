"""``jupyter mlops tracking-server``: the MLflow routes in their own tornado app.

For CI and scripts outside Jupyter: ``MLFLOW_TRACKING_URI=http://127.0.0.1:5000``.
The routes are the same handlers the Jupyter server serves under
``/mlops/mlflow``, here at the root (``/api/2.0/mlflow/...``), with an
optional bearer token instead of Jupyter's authentication.
"""

from __future__ import annotations

import asyncio
import gc
import json
import secrets

from tornado import web
from tornado.httputil import HTTPServerRequest

from ... import __version__
from . import mlflow_routes
from .base import MlflowMixin, StandaloneBase


class _Health(MlflowMixin, StandaloneBase):
    async def on_get(self) -> None:
        self.finish("OK")


class _Version(MlflowMixin, StandaloneBase):
    async def on_get(self) -> None:
        self.finish(json.dumps({"jupyter_mlops": __version__}))


class _Missing(MlflowMixin, StandaloneBase):
    async def on_get(self, *_: str) -> None:
        raise web.HTTPError(404, "no such MLflow endpoint: %s", self.request.path)

    on_post = on_put = on_patch = on_delete = on_get


class _Gzip(web.GZipContentEncoding):
    """Tornado's gzip at level 1 (a 1,000-run search page in a third of level 6's time, a
    few percent larger), and none for a client on this machine, which gains nothing from it."""

    GZIP_LEVEL = 1

    def __init__(self, request: HTTPServerRequest) -> None:
        super().__init__(request)
        if request.remote_ip in _LOOPBACK:
            self._gzipping = False


_LOOPBACK = ("127.0.0.1", "::1")


def make_app(token: str | None = None) -> web.Application:
    """The tornado application; ``token`` is the bearer token clients must send, if any."""
    routes = [(r"/health", _Health), (r"/version", _Version), *mlflow_routes("", standalone=True)]
    return web.Application(
        [*routes, (r"/(.*)", _Missing)], transforms=[_Gzip], mlflow_token=token or None
    )


def new_token() -> str:
    return secrets.token_hex(24)


async def serve(host: str, port: int, token: str | None = None) -> None:
    """Serve until cancelled."""
    app = make_app(token)
    gc.freeze()  # what startup imported is never garbage: collections skip it (a page's worth)
    server = app.listen(port, address=host, max_body_size=64 * 1024 * 1024)
    try:
        await asyncio.Event().wait()
    finally:
        server.stop()
