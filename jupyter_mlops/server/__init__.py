"""jupyter_server extension: REST handlers over the core under ``/mlops/api/``.

Enabled on install by ``jupyter-config/server-config/jupyter_mlops.json``;
``jupyter_mlops._jupyter_server_extension_points`` points here.
"""

from __future__ import annotations

from .app import MlopsApp

__all__ = ["MlopsApp"]


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "jupyter_mlops.server", "app": MlopsApp}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Load the extension app (used when the entry point names this module without an app)."""
    MlopsApp._load_jupyter_server_extension(serverapp)
