"""jupyter-mlops: runs, data snapshots, a model registry, drift and pipelines, from notebooks.

Everything public is re-exported here (``import jupyter_mlops as mlops``); the
magics (``%load_ext jupyter_mlops``), the JupyterLab side panel, the server
extension and the ``jupyter mlops`` CLI are thin faces over the same core.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .errors import Conflict, InvalidArgument, MlopsError, NoActiveRun, NotFound, StoreError
from .store import get_store
from .tracking import *  # noqa: F403
from .tracking import __all__ as _tracking_all

__all__ = [
    "Conflict",
    "InvalidArgument",
    "MlopsError",
    "NoActiveRun",
    "NotFound",
    "StoreError",
    "__version__",
    "get_store",
    *_tracking_all,
]

# data, registry and pipeline load on first use (scipy, nbformat and friends
# take seconds to import; a CLI call or %load_ext should not pay for them).
_LAZY_PACKAGES = ("data", "registry", "pipeline")
_SUBMODULES = {"widgets", "data", "registry", "pipeline", "magics", "cli", "server"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if not name.startswith("_"):
        for package in _LAZY_PACKAGES:
            module = importlib.import_module(f".{package}", __name__)
            if name in getattr(module, "__all__", ()):
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module 'jupyter_mlops' has no attribute {name!r}")


_PUBLIC_SUBMODULES = ("data", "pipeline", "registry", "tracking", "widgets")


def __dir__() -> list[str]:
    """The public API only: ``__all__``, the lazily loaded names and the public submodules."""
    names = set(__all__) | set(_PUBLIC_SUBMODULES)
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
