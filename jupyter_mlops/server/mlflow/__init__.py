"""MLflow's REST API as a face over the core: ``MLFLOW_TRACKING_URI`` can point here.

Inside the Jupyter server the routes live under ``/mlops/mlflow``
(``MLFLOW_TRACKING_URI=http://host:8888/mlops/mlflow``, the Jupyter token in
``MLFLOW_TRACKING_TOKEN``); ``jupyter mlops tracking-server`` serves the same
routes at the root of their own tornado app (``app.py``). Handlers translate
MLflow requests into core calls; they never import the store (docs/mlflow.md).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .base import JupyterBase, StandaloneBase

JUPYTER_PREFIX = "/mlops/mlflow"

# One module per part of MLflow's API, each with ROUTES = [(path, mixin), ...].
# "artifacts" (the mlflow-artifacts proxy) and "registry" (registered models and
# model versions) are served when their modules exist.
_ROUTE_MODULES = ("experiments", "tracking", "artifacts", "registry", "logged_models")


def _route_modules() -> list[ModuleType]:
    found = []
    for name in _ROUTE_MODULES:
        try:
            found.append(importlib.import_module(f".{name}", __name__))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # a module that exists but fails to import is a bug, not an absence
    return found


def mlflow_routes(prefix: str = JUPYTER_PREFIX, *, standalone: bool = False) -> list[tuple]:
    """Tornado ``(pattern, handler)`` pairs for every MLflow route under ``prefix``.

    ``standalone=False`` gives Jupyter-server handlers (authenticated, authorised);
    ``True`` gives handlers for ``jupyter mlops tracking-server``.
    """
    base = StandaloneBase if standalone else JupyterBase
    prefix = prefix.rstrip("/")
    routes = []
    for module in _route_modules():
        for path, mixin in module.ROUTES:
            handler = type(mixin.__name__, (mixin, base), {"__module__": module.__name__})
            routes.append((prefix + path, handler))
    return routes
