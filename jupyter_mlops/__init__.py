"""jupyter-mlops: runs, data snapshots, a model registry, drift and pipelines, from notebooks.

Everything public is re-exported here (``import jupyter_mlops as mlops``); the
magics (``%load_ext jupyter_mlops``), the JupyterLab side panel, the server
extension and the ``jupyter mlops`` CLI are thin faces over the same core.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from ._version import __version__
from .errors import Conflict, InvalidArgument, MlopsError, NoActiveRun, NotFound, StoreError

# The tracking API by name, so that importing the package (the CLI's --help, a
# face's import) loads neither pandas nor SQLAlchemy; tests keep this equal to
# ``jupyter_mlops.tracking.__all__``.
TRACKING_NAMES = (
    "Run",
    "RunStatus",
    "active_run",
    "attempts",
    "autolog",
    "cell_history",
    "collect_garbage",
    "compare_attempts",
    "count_runs",
    "delete_run",
    "download_artifact",
    "end_run",
    "get_metric_history",
    "get_run",
    "last_run",
    "list_artifacts",
    "list_events",
    "list_experiments",
    "load_artifact",
    "log_artifact",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "restore_run",
    "run_cells",
    "search_runs",
    "set_run_tags",
    "set_tag",
    "set_tags",
    "start_run",
    "store_info",
)

__all__ = [
    "Conflict",
    "InvalidArgument",
    "MlopsError",
    "NoActiveRun",
    "NotFound",
    "StoreError",
    "__version__",
    "get_store",
    *TRACKING_NAMES,
]

# Every part of the core loads on first use (pandas, SQLAlchemy, scipy, nbformat
# and friends take seconds to import; a CLI call or %load_ext should not pay for
# what it does not use).
_LAZY_PACKAGES = ("data", "registry", "monitor", "pipeline", "evaluation")
_SUBMODULES = {
    "widgets",
    "tracking",
    "data",
    "registry",
    "pipeline",
    "monitor",
    "evaluation",
    "magics",
    "cli",
    "server",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in TRACKING_NAMES or name == "get_store":
        package = "tracking" if name != "get_store" else "store"
        value = getattr(importlib.import_module(f".{package}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f".{name}", __name__)  # `from . import config` and the like
    if not name.startswith("_"):
        for package in _LAZY_PACKAGES:
            module = importlib.import_module(f".{package}", __name__)
            if name in getattr(module, "__all__", ()):
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module 'jupyter_mlops' has no attribute {name!r}")


_PUBLIC_SUBMODULES = (
    "data",
    "evaluation",
    "monitor",
    "pipeline",
    "registry",
    "tracking",
    "widgets",
)


def __dir__() -> list[str]:
    """The public API only: ``__all__``, the lazily loaded names and the public submodules."""
    names = (set(__all__) | set(_PUBLIC_SUBMODULES)) - {"TRACKING_NAMES"}
    for package in _LAZY_PACKAGES:
        names.update(importlib.import_module(f".{package}", __name__).__all__)
    return sorted(names)


def load_ipython_extension(ipython) -> None:
    """``%load_ext jupyter_mlops``: register the ``%mlops`` and ``%%mlops`` magics."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_mlops.server"}]
