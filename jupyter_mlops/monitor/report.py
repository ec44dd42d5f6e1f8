"""A monitor's history: one row per checked window, and its figures as plain plotly dicts.

``monitor_history(name)`` is a DataFrame (``MonitorHistory``) whose
``figure()`` draws drift share and performance over time above a
column-by-window heatmap of drift scores (1 is a column's threshold, as in
``data.figures``). Dicts, not plotly objects, so widgets, REST and the side
panel draw the same thing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..store import get_store
from ..store import monitors as monitor_store
from ..store.monitors import CheckInfo
from .monitors import METRICS, check_name

__all__ = ["MonitorHistory", "model_monitoring", "monitor_history", "monitor_page"]

DRIFT_COLOR = "#c0392b"
SHARE_COLOR = "#4c78a8"
METRIC_COLORS = ("#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d")
BASE_COLUMNS = ["window_id", "closed_at", "version", "n_rows", "n_labels", "drift_share",
                "drifted_columns", "prediction_drift", "prediction_drifted"]  # fmt: skip


class MonitorHistory(pd.DataFrame):
    """A monitor's checks, oldest window first; ``figure()`` plots them."""

    _metadata = ["monitor", "alert_share", "column_scores"]

    @property
    def _constructor(self):
        return MonitorHistory

    def figure(self) -> dict[str, Any]:
        return history_figure(self)


def _score(c: dict[str, Any]) -> float | None:
    from ..data.figures import drift_score

    if c.get("statistic") is None or c.get("threshold") is None:
        return None
    return drift_score(c["method"], float(c["statistic"]), float(c["threshold"]))


def _row(check: CheckInfo) -> dict[str, Any]:
    stats = check.statistics
    pred = stats.get("prediction") or {}
    row: dict[str, Any] = {
        "window_id": check.window_id,
        "closed_at": check.closed_at,
        "version": stats.get("version"),
        "n_rows": check.n_rows,
        "n_labels": check.n_labels,
        "drift_share": check.drift_share,
        "drifted_columns": list((stats.get("data") or {}).get("drifted") or []),
        "prediction_drift": pred.get("statistic"),
        "prediction_drifted": pred.get("drifted"),
    }
    row.update(stats.get("performance") or {})
    row.update({"verdict": check.verdict, "alert": check.alert,
                "reasons": list(stats.get("reasons") or []), "notes": list(stats.get("notes") or [])})  # fmt: skip
    return row


def monitor_history(name: str, *, limit: int | None = None) -> MonitorHistory:
    """Every check of monitor ``name`` (the newest ``limit``), oldest window first."""
    store = get_store()
    info = monitor_store.get_monitor(store, check_name(name))
    checks = monitor_store.list_checks(store, info.name, limit=limit)
    rows = [_row(c) for c in checks]
    metrics = [m for m in METRICS if any(m in r for r in rows)]
    columns = BASE_COLUMNS + metrics + ["verdict", "alert", "reasons", "notes"]
    frame = MonitorHistory(pd.DataFrame(rows, columns=columns))
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], unit="s", utc=True)
    scores: dict[str, dict[str, float | None]] = {}
    for c in checks:
        for col, stat in ((c.statistics.get("data") or {}).get("columns") or {}).items():
            scores.setdefault(col, {})[c.window_id] = _score(stat)
    frame.monitor = info.name
    frame.alert_share = info.drift.get("share")
    frame.column_scores = scores
    return frame


def _times(history: pd.DataFrame) -> list[str]:
    return [t.isoformat() for t in history["closed_at"]]


def _over_time(history: MonitorHistory) -> list[dict[str, Any]]:
    x = _times(history)
    share = [None if pd.isna(v) else float(v) for v in history["drift_share"]]
    traces: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines+markers", "name": "drift share", "x": x, "y": share,
         "xaxis": "x", "yaxis": "y", "line": {"color": SHARE_COLOR},
         "marker": {"color": [DRIFT_COLOR if a else SHARE_COLOR for a in history["alert"]],
                    "size": 9}},
    ]  # fmt: skip
    rule = getattr(history, "alert_share", None)
    if rule is not None and x:
        traces.append({"type": "scatter", "mode": "lines", "name": "alert at", "x": [x[0], x[-1]],
                       "y": [rule, rule], "xaxis": "x", "yaxis": "y",
                       "line": {"color": DRIFT_COLOR, "dash": "dash"}})  # fmt: skip
    for i, metric in enumerate(m for m in METRICS if m in history.columns):
        y = [None if pd.isna(v) else float(v) for v in history[metric]]
        traces.append({"type": "scatter", "mode": "lines+markers", "name": metric, "x": x, "y": y,
                       "xaxis": "x2", "yaxis": "y2", "connectgaps": False,
                       "line": {"color": METRIC_COLORS[i % len(METRIC_COLORS)]}})  # fmt: skip
    return traces


def _heatmap(history: MonitorHistory) -> dict[str, Any]:
    scores = getattr(history, "column_scores", None) or {}
    windows = list(history["window_id"])
    names = sorted(scores)
    z = [[scores[c].get(w) for w in windows] for c in names]
    return {
        "type": "heatmap", "name": "drift score", "x": _times(history), "y": names, "z": z,
        "zmin": 0, "zmax": 2, "xaxis": "x3", "yaxis": "y3",
        "colorscale": [[0, "#27ae60"], [0.5, "#f1c40f"], [1, DRIFT_COLOR]],
        "colorbar": {"title": {"text": "score (1 = threshold)"}, "len": 0.35, "y": 0.17},
        "customdata": [windows for _ in names],
        "hovertemplate": "%{y} in window %{customdata}: %{z:.3g}<extra></extra>",
    }  # fmt: skip


def history_figure(history: MonitorHistory) -> dict[str, Any]:
    """Drift share, performance over time and the column-by-window heatmap, stacked."""
    from ..tracking.figures import empty_figure

    name = getattr(history, "monitor", "") or ""
    if not len(history):
        return empty_figure(f"monitor {name}: no window checked yet", title=f"monitor {name}")
    layout = {
        "title": {"text": f"monitor {name}: drift and performance by window"},
        "height": 720,
        "showlegend": True,
        "xaxis": {"anchor": "y", "type": "date"},
        "yaxis": {"domain": [0.72, 1.0], "title": {"text": "drift share"}, "range": [0, 1.05]},
        "xaxis2": {"anchor": "y2", "type": "date", "matches": "x"},
        "yaxis2": {"domain": [0.42, 0.64], "title": {"text": "performance"}},
        "xaxis3": {"anchor": "y3", "type": "date", "matches": "x"},
        "yaxis3": {"domain": [0.0, 0.34], "title": {"text": "column"}, "automargin": True},
    }
    return {"data": [*_over_time(history), _heatmap(history)], "layout": layout}


def _records(history: MonitorHistory) -> list[dict[str, Any]]:
    frame = pd.DataFrame(history).copy()
    frame["closed_at"] = [t.timestamp() for t in frame["closed_at"]]
    return frame.to_dict(orient="records")


def monitor_page(name: str, *, limit: int | None = 100) -> dict[str, Any]:
    """A monitor, its newest checks (oldest first) and the history figure: what REST and views show."""
    info = monitor_store.get_monitor(get_store(), check_name(name))
    history = monitor_history(name, limit=limit)
    return {"monitor": info.to_dict(), "checks": _records(history), "figure": history.figure()}


def model_monitoring(model: str, *, windows: int = 10) -> dict[str, Any]:
    """A model's newest closed windows, its monitors and the last alert of each (the Registry panel)."""
    from ..registry.uri import check_model_name
    from .windows import list_windows

    name = check_model_name(model)
    store = get_store()
    recent = list_windows(name)[-windows:] if windows else []
    monitors = monitor_store.list_monitors(store, name)
    alerts = monitor_store.last_alerts(store, [m.name for m in monitors])
    last = max(alerts.values(), key=lambda c: c.closed_at, default=None)
    return {
        "model": name,
        "windows": [
            {"id": w.id, "version": w.version, "alias": w.alias, "source": w.source,
             "closed_at": w.closed_at, "n_rows": w.n_rows, "n_dropped": w.n_dropped,
             "n_labels": w.n_labels}
            for w in reversed(recent)
        ],
        "monitors": [
            {**m.to_dict(), "last_alert": alerts[m.name].to_dict() if m.name in alerts else None}
            for m in monitors
        ],
        "last_alert": None if last is None else {
            "monitor": last.monitor, "window_id": last.window_id, "closed_at": last.closed_at,
            "reasons": list(last.statistics.get("reasons") or []),
        },
    }  # fmt: skip
