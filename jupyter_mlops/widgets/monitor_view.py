"""``mlops.widgets.monitor(name)``: a monitor's verdict, its windows over time, its alerts.

On top the monitor's terms and how many of its checked windows alerted;
below, the core's history figure (drift share and performance over time
above the column-by-window drift heatmap, ``monitor.report``); then one row
per alerting window with its reasons. A refresh button re-reads the history
(after ``mlops.run_monitor``); nothing here checks a window itself.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from ..monitor.monitors import METRICS, get_monitor
from ..monitor.report import MonitorHistory, monitor_history
from .base import FigureArea, View, error_html
from .static import esc, html_table, page

ALERT_COLUMNS = ["closed_at", "window_id", "version", "n_rows", "n_labels", "drift_share"]


def terms_text(info: Any) -> str:
    """``churn@production against train@latest; drift share >= 30%; accuracy >= 0.9``."""
    parts = [f"{info.model} against {info.reference}"]
    share = (info.drift or {}).get("share")
    parts.append("no drift alert" if share is None else f"drift share >= {share:.0%}")
    parts.extend(info.performance)
    return "; ".join(parts)


def verdict_html(info: Any, history: pd.DataFrame) -> str:
    alerts = int(history["alert"].sum()) if len(history) else 0
    css = "bad" if alerts else "good"
    counted = f"{len(history)} windows checked, {alerts} alerting"
    if not len(history):
        counted = "no window checked yet (mlops.run_monitor)"
    return (
        f'<div class="verdict {css}">monitor {esc(info.name)}: {esc(counted)}</div>'
        f'<p class="muted">{esc(terms_text(info))}</p>'
    )


def alerts_frame(history: pd.DataFrame) -> pd.DataFrame:
    """The alerting windows, newest first, with their metrics and reasons as one text."""
    rows = history[history["alert"].astype(bool)] if len(history) else history
    metrics = [m for m in METRICS if m in history.columns]
    frame = pd.DataFrame(rows[ALERT_COLUMNS + metrics]).copy()
    frame["reasons"] = ["; ".join(r) for r in rows["reasons"]]
    return frame.iloc[::-1].reset_index(drop=True)


class MonitorView(View):
    """Verdict, history figure and alerts table of one monitor."""

    title = "mlops monitor"

    def __init__(self, name: str, limit: int | None = None):
        self.name = name
        self.limit = limit
        self.verdict = w.HTML()
        self.plot = FigureArea()
        self.alerts = w.HTML()
        self.refresh_button = w.Button(description="refresh", icon="refresh")
        super().__init__([self.verdict, self.refresh_button, self.plot, self.alerts])
        self.refresh_button.on_click(lambda _: self._refresh_shown())
        self.refresh()

    @property
    def figure(self) -> dict[str, Any]:
        return self.plot.figure

    def refresh(self) -> None:
        """Re-read the monitor and its history (raises on an unknown monitor)."""
        info = get_monitor(self.name)
        self.history: MonitorHistory = monitor_history(self.name, limit=self.limit)
        self.verdict.value = page([verdict_html(info, self.history)])
        self.plot.show(self.history.figure())
        self.alerts.value = page(["<h4>alerts</h4>", self.alerts_html()])

    def _refresh_shown(self) -> None:
        try:
            self.refresh()
        except Exception as exc:  # a removed monitor: say so in the view, keep it alive
            self.verdict.value = page([error_html(exc)])

    def alerts_html(self) -> str:
        frame = alerts_frame(self.history)
        if frame.empty:
            return '<p class="muted">no alert</p>'
        return html_table(frame, colours={"reasons": ["#fbe3e1"] * len(frame)})

    def static_html(self) -> str:
        return page([self.verdict.value, self.alerts.value])

    def static_figure(self) -> dict[str, Any] | None:
        return self.figure or None


def monitor(name: str, *, limit: int | None = None) -> MonitorView:
    """The view of monitor ``name`` (its newest ``limit`` checks; every check by default)."""
    return MonitorView(name, limit)
