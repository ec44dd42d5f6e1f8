"""The static face of every view: HTML plus plotly's mime bundle, no plotly.js.

Where no widget front end runs (papermill and nbclient outputs, nbconvert,
GitHub's viewer) a view still shows up: its ``_repr_mimebundle_`` carries,
beside the widget reference, a ``text/html`` summary (tables, verdicts) and
the main figure as ``application/vnd.plotly.v1+json``. A front end with a
plotly renderer (JupyterLab, VS Code, nbconvert with ``export_html``) draws
the figure from its own plotly.js, so an output weighs only its data.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

PLOTLY_MIME = "application/vnd.plotly.v1+json"
CSS_CLASS = "mlops-view"

STYLE = f"""<style>
.{CSS_CLASS} {{ font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }}
.{CSS_CLASS} table {{ border-collapse: collapse; margin: 4px 0; }}
.{CSS_CLASS} th, .{CSS_CLASS} td {{ padding: 2px 8px; border-bottom: 1px solid #ddd;
  text-align: left; white-space: nowrap; }}
.{CSS_CLASS} th {{ background: #f3f3f3; }}
.{CSS_CLASS} .verdict {{ font-size: 15px; font-weight: 600; padding: 6px 10px;
  border-radius: 4px; display: inline-block; margin: 4px 0; }}
.{CSS_CLASS} .bad {{ background: #fbe3e1; color: #8e1b10; }}
.{CSS_CLASS} .good {{ background: #e2f5e8; color: #17602f; }}
.{CSS_CLASS} .muted {{ color: #777; }}
</style>"""


MAX_CELL = 40  # characters shown in a table cell; longer values are cut, whole in the title


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def cell(text: str, style: str = "", limit: int = MAX_CELL) -> str:
    """A ``<td>``: a long value (a Pipeline's ``steps``) cut, its whole text in ``title`` on hover."""
    if len(text) <= limit:
        return f"<td{style}>{esc(text)}</td>"
    return f'<td{style} title="{esc(text)}">{esc(text[: limit - 1].rstrip())}…</td>'


def fmt(value: Any) -> str:
    """A cell value as text: numbers to 4 significant digits, times without microseconds."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.strftime("%Y-%m-%d %H:%M:%S")
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def score_colour(score: float | None, top: float = 2.0) -> str:
    """Green below 1 (the threshold), through yellow, to red at ``top`` and above."""
    if score is None or not math.isfinite(score):
        return "#eeeeee"
    t = max(0.0, min(1.0, score / top))
    if t < 0.5:  # green -> yellow
        r, g, b = (
            int(99 + (255 - 99) * 2 * t),
            int(190 + (217 - 190) * 2 * t),
            int(123 - 20 * 2 * t),
        )
    else:  # yellow -> red
        u = (t - 0.5) * 2
        r, g, b = int(255 - 25 * u), int(217 - 160 * u), int(103 - 60 * u)
    return f"#{r:02x}{g:02x}{b:02x}"


def html_table(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    colours: Mapping[str, Sequence[str]] | None = None,
    max_rows: int = 200,
) -> str:
    """An escaped HTML table; ``colours`` maps a column to one background colour per row.

    Values longer than ``MAX_CELL`` characters are cut, with the whole value on hover.
    """
    columns = list(columns) if columns is not None else list(frame.columns)
    if frame.empty:
        return '<p class="muted">(nothing to show)</p>'
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = []
    shown = frame.head(max_rows)
    for i, (_, row) in enumerate(shown.iterrows()):
        cells = []
        for c in columns:
            style = ""
            if colours and c in colours:
                style = f' style="background:{colours[c][i]}"'
            cells.append(cell(fmt(row.get(c)), style))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(frame) > max_rows:
        more = f'<p class="muted">… {len(frame) - max_rows} more rows</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def page(parts: Iterable[str]) -> str:
    """Wrap HTML fragments into one styled block."""
    return f'{STYLE}<div class="{CSS_CLASS}">' + "".join(parts) + "</div>"


def plotly_data(figure: Mapping[str, Any]) -> dict[str, Any]:
    """The content of a plotly mime bundle for a plain figure dict."""
    return {
        "data": list(figure.get("data", [])),
        "layout": dict(figure.get("layout", {})),
        "config": {"displaylogo": False, "responsive": True},
    }


def bundle(figure: Mapping[str, Any] | None, html_text: str, text: str) -> dict[str, Any]:
    """A mime bundle: plain text, the HTML summary and (when given) the figure for plotly."""
    out: dict[str, Any] = {"text/plain": text, "text/html": html_text}
    if figure is not None:
        out[PLOTLY_MIME] = plotly_data(figure)
    return out


def display_data(figure: Mapping[str, Any]) -> dict[str, Any]:
    """An nbformat ``display_data`` output drawing ``figure`` (for an Output widget)."""
    title = (figure.get("layout", {}).get("title") or {}).get("text", "figure")
    return {
        "output_type": "display_data",
        "data": {PLOTLY_MIME: plotly_data(figure), "text/plain": f"<plotly figure: {title}>"},
        "metadata": {},
    }


class StaticView:
    """A view for front ends without widgets: ``display(StaticView(...))`` shows HTML + figure."""

    def __init__(self, html_text: str, figure: Mapping[str, Any] | None = None, text: str = ""):
        self.html = html_text
        self.figure = figure
        self.text = text or "<mlops view>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return bundle(self.figure, self.html, self.text)

    def __repr__(self) -> str:
        return self.text
