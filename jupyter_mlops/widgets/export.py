"""Executed notebooks to one HTML page whose plotly outputs are drawn, offline.

nbconvert's lab template does not draw ``application/vnd.plotly.v1+json``
outputs (it has no plotly renderer, and a view's widget reference wins the
mime priority). ``MlopsHTMLExporter`` extends that template: each plotly
output becomes a ``<div>`` plus its JSON, drawn by ``Plotly.newPlot``; the
page inlines the installed plotly package's ``plotly.min.js`` once (only when
some output needs it), never once per output.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from traitlets import default

from .static import PLOTLY_MIME

TEMPLATES = Path(__file__).parent / "templates"


@cache
def plotly_js() -> str:
    """The plotly.js bundled with the installed plotly package."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _has_plotly(nb: nbformat.NotebookNode) -> bool:
    return any(
        PLOTLY_MIME in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


class MlopsHTMLExporter(HTMLExporter):
    """nbconvert's lab HTML, drawing plotly mime outputs with one inlined plotly.js."""

    export_from_notebook = "HTML with plotly (mlops)"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "mlops_lab"

    @default("extra_template_basedirs")
    def _extra_basedirs_default(self) -> list[str]:
        return [*super()._default_extra_template_basedirs(), str(TEMPLATES)]

    def from_notebook_node(
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        resources = dict(resources or {})
        if _has_plotly(nb):
            resources["mlops_plotly_js"] = plotly_js()
        return super().from_notebook_node(nb, resources, **kw)


def export_html(
    notebook: str | os.PathLike | nbformat.NotebookNode, output: str | os.PathLike
) -> Path:
    """Write ``notebook`` (a path or a node) as a self-contained HTML page; returns its path."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, 4)
    body, _ = MlopsHTMLExporter().from_notebook_node(nb)
    out = Path(output)
    out.write_text(body, encoding="utf-8")
    return out
