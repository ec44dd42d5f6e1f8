"""jupyter-mlops: runs, data snapshots, a model registry, drift and pipelines, from notebooks.

Everything public is re-exported here (``import jupyter_mlops as mlops``); the
magics (``%load_ext jupyter_mlops``), the JupyterLab side panel, the server
extension and the ``jupyter mlops`` CLI are thin faces over the same core.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .data import *  # noqa: F403
from .data import __all__ as _data_all
from .errors import Conflict, InvalidArgument, MlopsError, NoActiveRun, NotFound, StoreError
from .pipeline import *  # noqa: F403
from .pipeline import __all__ as _pipeline_all
from .registry import *  # noqa: F403
from .registry import __all__ as _registry_all
from .store import get_store
from .store.entities import RunStatus
from .tracking import *  # noqa: F403
from .tracking import __all__ as _tracking_all

__all__ = [
    "Conflict",
    "InvalidArgument",
    "MlopsError",
    "NoActiveRun",
    "NotFound",
    "RunStatus",
    "StoreError",
    "__version__",
    "get_store",
    *_tracking_all,
    *_data_all,
    *_registry_all,
    *_pipeline_all,
]


def __getattr__(name: str) -> Any:
    # ipywidgets and plotly load only when a widget is asked for.
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'jupyter_mlops' has no attribute {name!r}")


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
