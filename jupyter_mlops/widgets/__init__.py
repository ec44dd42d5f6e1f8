"""Notebook views (ipywidgets + plotly) over the core's figures.

``runs()``, ``registry()`` and ``drift()`` return ipywidgets that also carry a
static HTML + plotly fallback for outputs read without a widget front end;
``export_html()`` turns an executed notebook into one HTML page that draws
those figures with a single copy of plotly.js.
"""

from __future__ import annotations

from .runs import RunsView, runs
from .static import StaticView

__all__ = ["RunsView", "StaticView", "runs"]
