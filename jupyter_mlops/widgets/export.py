"""Executed notebooks to one HTML page whose plotly outputs are drawn, offline.

nbconvert's lab template does not draw ``application/vnd.plotly.v1+json``
outputs (it has no plotly renderer, and a view's widget reference wins the
mime priority). ``MlopsHTMLExporter`` extends that template: each plotly
output becomes a ``<div>`` plus its JSON, drawn by ``Plotly.newPlot``; the
page inlines the installed plotly package's ``plotly.min.js`` once (only when
some output needs it), never once per output. That copy is 4.8 MB of a page's
5.2 MB (three views); ``plotly="directory"`` instead writes ``plotly.min.js``
once beside the pages and links it, so each page weighs only its data (as
plotly's own ``include_plotlyjs="directory"``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from traitlets import Enum, default

from ..errors import InvalidArgument
from .static import PLOTLY_MIME

TEMPLATES = Path(__file__).parent / "templates"
PLOTLY_MODES = ("inline", "directory")
PLOTLY_FILE = "plotly.min.js"


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
    plotly = Enum(
        PLOTLY_MODES,
        default_value="inline",
        help="inline: plotly.js in the page; directory: <script src='plotly.min.js'> beside it",
    ).tag(config=True)

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
            if self.plotly == "inline":
                resources["mlops_plotly_js"] = plotly_js()
            else:
                resources["mlops_plotly_src"] = PLOTLY_FILE
        return super().from_notebook_node(nb, resources, **kw)


def export_html(
    notebook: str | os.PathLike | nbformat.NotebookNode,
    output: str | os.PathLike,
    *,
    plotly: str = "inline",
) -> Path:
    """Write ``notebook`` (a path or a node) as one HTML page; returns its path.

    ``plotly="inline"`` makes the page self-contained; ``"directory"`` links a
    ``plotly.min.js`` written once in the page's folder, shared by every page there.
    """
    if plotly not in PLOTLY_MODES:
        raise InvalidArgument("plotly", "one of " + ", ".join(PLOTLY_MODES), plotly)
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, 4)
    body, resources = MlopsHTMLExporter(plotly=plotly).from_notebook_node(nb)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if resources.get("mlops_plotly_src"):
        _write_plotly_beside(out.parent / PLOTLY_FILE)
    out.write_text(body, encoding="utf-8")
    return out


def _write_plotly_beside(path: Path) -> None:
    js = plotly_js()
    if path.is_file() and path.stat().st_size == len(js.encode()):
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(js, encoding="utf-8")
    tmp.replace(path)
