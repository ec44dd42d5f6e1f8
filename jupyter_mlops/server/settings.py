"""``/mlops/api/settings``: the server's version and what the store can do.

The frontend compares ``version`` with its own and refuses to run against a
mismatched server (an old server with a new panel, or the reverse).
"""

from __future__ import annotations

import importlib

import tornado.web
from jupyter_server.auth.decorator import authorized
from sqlalchemy.engine import make_url

from .._version import __version__
from ..store import get_store
from .base import MlopsHandler, route

# Optional parts of the core, and the public function each needs.
FEATURES = {
    "snapshots": ("jupyter_mlops.data", "list_snapshots"),
    "drift": ("jupyter_mlops.data", "drift"),
    "models": ("jupyter_mlops.registry", "list_models"),
    "pipelines": ("jupyter_mlops.pipeline", "list_pipelines"),
}


def available_features() -> dict[str, bool]:
    found = {"runs": True, "events": True}
    for feature, (module, name) in FEATURES.items():
        try:
            found[feature] = hasattr(importlib.import_module(module), name)
        except ImportError:
            found[feature] = False
    return found


def store_summary() -> dict[str, str]:
    store = get_store()
    url = make_url(store.tracking_uri)
    return {
        "tracking_uri": url.render_as_string(hide_password=True),
        "backend": url.get_backend_name(),
        "blob_root": str(store.blobs.url),
    }


class SettingsHandler(MlopsHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(
            {
                "version": __version__,
                "api": "mlops/api",
                "store": await self.call(store_summary),
                "features": available_features(),
                "refresh_interval": self.settings.get("mlops_refresh_interval"),
            }
        )


handlers = [(route("settings"), SettingsHandler)]
