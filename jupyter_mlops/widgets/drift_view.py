"""``mlops.widgets.drift(reference, current)``: the verdict, the columns, one column's shift.

On top the data set's verdict; below, every column sorted by drift score (1
is the column's threshold) with a green-to-red colour scale; then the
reference and current distributions of the selected column, overlaid. The
report and its figures come from the data core (``mlops.drift``,
``data.figures``); this module only arranges them.
"""

from __future__ import annotations

import copy
from typing import Any

import ipywidgets as w
import pandas as pd

from ..data import DriftReport
from ..data import drift as compute_drift
from ..data import figures as drift_figures
from ..tracking.figures import empty_figure
from .base import FigureArea, View
from .static import esc, html_table, page, score_colour

SCHEMA_METHODS = ("missing", "type change")
NOT_PLOTTED = ("missing", "new", "type change", "skipped")
TABLE_COLUMNS = [
    "column",
    "score",
    "drifted",
    "method",
    "statistic",
    "threshold",
    "kind",
    "missing_reference",
    "missing_current",
    "note",
]


def scored_columns(report: DriftReport) -> pd.DataFrame:
    """The report's columns with a ``score`` (as in the core's overview), highest first."""
    rows = report.columns.copy()
    scores = [
        10.0
        if m in SCHEMA_METHODS and d
        else drift_figures.drift_score(m, float(s), float(t))
        if m not in NOT_PLOTTED
        else float("nan")
        for m, d, s, t in zip(rows["method"], rows["drifted"], rows["statistic"], rows["threshold"])
    ]
    rows.insert(1, "score", scores)
    rows = rows.sort_values(["score", "column"], ascending=[False, True], na_position="last")
    return rows.reset_index(drop=True)


def overlaid(figure: dict[str, Any]) -> dict[str, Any]:
    """The core's side-by-side distributions drawn on top of each other (same data)."""
    fig = copy.deepcopy(figure)
    fig.setdefault("layout", {})["barmode"] = "overlay"
    fig["layout"]["bargap"] = 0.05
    for trace in fig.get("data", []):
        trace["opacity"] = 0.6
    return fig


def verdict_html(report: DriftReport) -> str:
    """The verdict with its rule: "no drift — 3 of 12 columns drifted, dataset drift needs 50%"."""
    css = "bad" if report.failed else "good"
    return (
        f'<div class="verdict {css}">{esc(report.reference)} → {esc(report.current)}: '
        f"{report.verdict} — {esc(report.rule)}</div>"
    )


class DriftView(View):
    """Verdict, per-column table and the selected column's distributions."""

    title = "mlops drift"

    def __init__(self, report: DriftReport, column: str | None = None):
        self.report = report
        self.scores = scored_columns(report)
        plottable = [
            c for c, m in zip(self.scores["column"], self.scores["method"]) if m not in NOT_PLOTTED
        ]
        self.verdict = w.HTML(page([verdict_html(report)]))
        self.table = w.HTML(self.table_html())
        self.column_box = w.Dropdown(
            options=plottable, value=None, description="column", disabled=not plottable
        )
        self.plot = FigureArea()
        self.notice = w.HTML()
        super().__init__([self.verdict, self.table, self.column_box, self.notice, self.plot])
        self.column_box.observe(self._on_column, names="value")
        if column is not None:
            self.select(column)
        elif plottable:
            self.select(plottable[0])
        else:
            self._show_nothing_to_plot()

    @property
    def column(self) -> str | None:
        return self.column_box.value

    @property
    def figure(self) -> dict[str, Any]:
        """The distributions figure shown (a plain plotly dict)."""
        return self.plot.figure

    def select(self, column: str) -> None:
        """Show the distributions of ``column``."""
        from ..errors import InvalidArgument

        if column not in self.column_box.options:
            raise InvalidArgument(
                "column",
                "a column compared on both sides: " + ", ".join(self.column_box.options),
                column,
            )
        if self.column_box.value == column:
            self._draw(column)
        else:
            self.column_box.value = column  # draws through the observer

    def _on_column(self, change: Any) -> None:
        if change["new"] is not None:
            self._draw(change["new"])

    def _draw(self, column: str) -> None:
        self.plot.show(overlaid(self.report.figure(column)))

    def _show_nothing_to_plot(self) -> None:
        common = set(self.report.reference_profile.columns) & set(
            self.report.current_profile.columns
        )
        why = (
            "the two data sets have no column in common"
            if not common
            else "no column could be compared on both sides"
        )
        self.notice.value = page([f'<p class="muted">{esc(why)}</p>'])
        self.plot.show(empty_figure(why, title="distributions"))

    def table_html(self) -> str:
        rows = self.scores
        colours = {"score": [score_colour(s) for s in rows["score"]]}
        colours["drifted"] = ["#fbe3e1" if d else "#ffffff" for d in rows["drifted"]]
        shown = [c for c in TABLE_COLUMNS if c in rows.columns]
        return page([html_table(rows, columns=shown, colours=colours)])

    def static_html(self) -> str:
        return page([self.verdict.value, self.table.value, self.notice.value])

    def static_figure(self) -> dict[str, Any] | None:
        return self.figure or None


def drift(
    reference: Any, current: Any = None, *, column: str | None = None, **options: Any
) -> DriftView:
    """A drift view between ``reference`` and ``current`` (snapshot refs or frames).

    ``options`` go to ``mlops.drift`` (columns, methods, thresholds,
    drift_share, missing, fail_on). A ready ``DriftReport`` can be passed as ``reference`` alone.
    """
    if isinstance(reference, DriftReport):
        if current is not None or options:
            from ..errors import InvalidArgument

            raise InvalidArgument("current", "nothing when a DriftReport is given", current)
        return DriftView(reference, column)
    return DriftView(compute_drift(reference, current, **options), column)
