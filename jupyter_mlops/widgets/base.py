"""What every view shares: a VBox that also carries its static fallback.

A view's mime bundle holds the widget reference (drawn by JupyterLab's widget
manager) and, beside it, the static HTML and the main plotly figure (drawn
where no widget front end runs). Figures are shown through an ``Output``
widget holding a plotly mime output, so the front end's own plotly renderer
draws them: no plotly.js travels with the widget state or the notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as w

from .static import StaticView, bundle, display_data


class FigureArea(w.Output):
    """An Output widget showing one plotly figure dict, replaced as a whole on update."""

    def __init__(self, figure: Mapping[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.figure: dict[str, Any] = {}
        if figure is not None:
            self.show(figure)

    def show(self, figure: Mapping[str, Any]) -> None:
        self.figure = dict(figure)
        self.outputs = (display_data(self.figure),)


class View(w.VBox):
    """Base of the runs, registry and drift views."""

    title = "mlops view"

    def static(self) -> StaticView:
        """The same view as HTML + a plotly figure, for outputs read without widgets."""
        return StaticView(self.static_html(), self.static_figure(), self.title)

    def static_html(self) -> str:  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def static_figure(self) -> dict[str, Any] | None:
        return None

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs)
        static = bundle(self.static_figure(), self.static_html(), self.title)
        static.update(data)  # widget view + its plain text win over the static text
        static["text/plain"] = self.title
        return static


def error_html(exc: Exception) -> str:
    from .static import esc

    return f'<div class="verdict bad">{esc(exc)}</div>'
