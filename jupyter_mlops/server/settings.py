"""``/mlops/api/settings``: the server's version and what the store can do.

The frontend compares ``version`` with its own and refuses to run against a
mismatched server (an old server with a new panel, or the reverse).
"""

from __future__ import annotations

import importlib

import tornado.web
from jupyter_server.auth.decorator import authorized

from .. import tracking
from .._version import __version__
from .base import MlopsHandler, route

# Parts of the core the panel has a tab for, and the public function each needs.
FEATURES = {
    "runs": ("jupyter_mlops.tracking", "search_runs"),
    "events": ("jupyter_mlops.tracking", "list_events"),
    "snapshots": ("jupyter_mlops.data", "list_snapshots"),
    "drift": ("jupyter_mlops.data", "drift"),
    "models": ("jupyter_mlops.registry", "list_models"),
    "pipelines": ("jupyter_mlops.pipeline", "list_pipelines"),
}


def available_features() -> dict[str, bool]:
    found = {}
    for feature, (module, name) in FEATURES.items():
        try:
            found[feature] = hasattr(importlib.import_module(module), name)
        except ImportError:
            found[feature] = False
    return found


class SettingsHandler(MlopsHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(
            {
                "version": __version__,
                "api": "mlops/api",
                "store": await self.call(tracking.store_info),
                "features": available_features(),
                "refresh_interval": self.settings.get("mlops_refresh_interval"),
            }
        )


handlers = [(route("settings"), SettingsHandler)]
