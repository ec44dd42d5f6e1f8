"""Notebook views (ipywidgets + plotly) over the core's figures.

``runs()``, ``registry()``, ``drift()`` and ``monitor()`` return ipywidgets that also carry a
static HTML + plotly fallback for outputs read without a widget front end;
``export_html()`` turns an executed notebook into one HTML page that draws
those figures with a single copy of plotly.js.
"""

from __future__ import annotations

import importlib
from typing import Any

from .runs import RunsView, runs
from .static import StaticView

__all__ = [
    "DriftView",
    "MlopsHTMLExporter",
    "MonitorView",
    "RegistryView",
    "RunsView",
    "StaticView",
    "drift",
    "export_html",
    "monitor",
    "registry",
    "runs",
]

# Loaded on first use, so opening the runs view never pays for the others: the
# drift view brings scipy, the registry view the serialisation stack, the
# exporter nbconvert and nbformat (seconds of imports).
_LAZY = {
    "drift": "drift_view",
    "DriftView": "drift_view",
    "registry": "registry_view",
    "RegistryView": "registry_view",
    "monitor": "monitor_view",
    "MonitorView": "monitor_view",
    "export_html": "export",
    "MlopsHTMLExporter": "export",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
