"""Notebook views (ipywidgets + plotly) over the core's figures.

``runs()``, ``registry()`` and ``drift()`` return ipywidgets that also carry a
static HTML + plotly fallback for outputs read without a widget front end;
``export_html()`` turns an executed notebook into one HTML page that draws
those figures with a single copy of plotly.js.
"""

from __future__ import annotations

from typing import Any

from .drift import DriftView, drift
from .export import MlopsHTMLExporter, export_html
from .runs import RunsView, runs
from .static import StaticView

__all__ = [
    "DriftView",
    "MlopsHTMLExporter",
    "RegistryView",
    "RunsView",
    "StaticView",
    "drift",
    "export_html",
    "registry",
    "runs",
]


def __getattr__(name: str) -> Any:
    # The registry view loads with the registry (and its serialisation stack) on first use.
    if name in ("registry", "RegistryView"):
        import importlib

        module = importlib.import_module(".registry", __name__)
        # importing set the package attribute 'registry' to the module: put the function back
        globals().update(registry=module.registry, RegistryView=module.RegistryView)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
