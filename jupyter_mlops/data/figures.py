"""Plotly figures of a drift report as plain dicts (``{"data": [...], "layout": {...}}``).

Plain dicts so that any face can use them: ``plotly.graph_objects.Figure(d)``
in a widget, ``Plotly.newPlot`` in the side panel, ``json.dumps`` over REST.
Nothing here imports plotly.
"""

from __future__ import annotations

import html
import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidArgument
from .drift import P_VALUE_METHODS, category_table
from .profile import CategoricalProfile, NumericProfile

if TYPE_CHECKING:
    from .drift import DriftReport

REF_COLOR = "#4c78a8"
CUR_COLOR = "#f58518"
DRIFT_COLOR = "#c0392b"
OK_COLOR = "#27ae60"
MAX_CATEGORIES = 30


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _shares(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return [float(c / total) if total else 0.0 for c in counts]


def distribution(report: DriftReport, column: str) -> dict[str, Any]:
    """``{"kind", "labels", "reference", "current"}``: shares on the reference's bins or categories."""
    rp = report.reference_profile.columns.get(column)
    cp = report.current_profile.columns.get(column)
    if rp is None or cp is None:
        raise InvalidArgument("column", "a column present on both sides", column)
    if isinstance(rp, NumericProfile) and isinstance(cp, NumericProfile):
        e = rp.edges
        if e:
            labels = [f"< {_fmt(e[0])}"]
            labels += [f"[{_fmt(a)}, {_fmt(b)})" for a, b in itertools.pairwise(e)]
            labels += [f"> {_fmt(e[-1])}"]
        else:
            labels = ["all"]
        ref = np.asarray(rp.hist, dtype=float)
        cur = cp.hist_on(e)
        return {
            "kind": rp.kind,
            "labels": labels,
            "edges": list(e),
            "reference": _shares(ref),
            "current": _shares(cur),
        }
    if isinstance(rp, CategoricalProfile) and isinstance(cp, CategoricalProfile):
        keys, rc, cc = category_table(rp, cp)
        order = np.argsort(-(rc / max(rc.sum(), 1) + cc / max(cc.sum(), 1)), kind="stable")
        if len(order) > MAX_CATEGORIES:  # fold the tail into one bar
            head, tail = order[: MAX_CATEGORIES - 1], order[MAX_CATEGORIES - 1 :]
            labels = [str(keys[i]) for i in head] + [f"({len(tail)} more)"]
            rc = np.append(rc[head], rc[tail].sum())
            cc = np.append(cc[head], cc[tail].sum())
        else:
            labels = [str(keys[i]) for i in order]
            rc, cc = rc[order], cc[order]
        ref_total, cur_total = rp.count - rp.nulls, cp.count - cp.nulls
        return {
            "kind": "categorical",
            "labels": labels,
            "reference": [float(c / ref_total) if ref_total else 0.0 for c in rc],
            "current": [float(c / cur_total) if cur_total else 0.0 for c in cc],
        }
    raise InvalidArgument("column", "a numeric or categorical column on both sides", column)


def column_figure(report: DriftReport, column: str) -> dict[str, Any]:
    """Reference and current distributions of one column, side by side."""
    d = distribution(report, column)
    row = report.columns.set_index("column").loc[column]
    verdict = "drifted" if row["drifted"] else "no drift"
    stat = row["statistic"]
    title = (
        f"{column}: {verdict} ({row['method']} = {_fmt(stat)}, threshold {_fmt(row['threshold'])})"
        if isinstance(stat, float) and math.isfinite(stat)
        else f"{column}: {row['method']}"
    )
    return {
        "data": [
            {
                "type": "bar",
                "name": f"reference ({report.reference})",
                "x": d["labels"],
                "y": d["reference"],
                "marker": {"color": REF_COLOR},
            },
            {
                "type": "bar",
                "name": f"current ({report.current})",
                "x": d["labels"],
                "y": d["current"],
                "marker": {"color": CUR_COLOR},
            },
        ],
        "layout": {
            "title": {"text": title},
            "barmode": "group",
            "xaxis": {
                "title": {"text": "reference bins" if d["kind"] != "categorical" else "category"},
                "automargin": True,
            },
            "yaxis": {"title": {"text": "share of rows"}, "tickformat": ".0%"},
            # above the bars, under the title: below, it lands on the (rotated) bin labels
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "margin": {"t": 100},
        },
    }


def drift_score(method: str, statistic: float, threshold: float) -> float:
    """1.0 on the threshold, above 1 drifted: stat/threshold, or threshold/p for tests (capped at 10)."""
    if not (isinstance(statistic, float) and math.isfinite(statistic)) or not threshold:
        return 0.0
    if method in P_VALUE_METHODS:
        return min(10.0, threshold / max(statistic, 1e-300))
    return min(10.0, statistic / threshold)


def overview(report: DriftReport) -> dict[str, Any]:
    """One bar per column: its drift score (1 = the threshold), red when drifted."""
    rows = report.columns
    scores = [
        drift_score(m, s, t)
        for m, s, t in zip(rows["method"], rows["statistic"], rows["threshold"])
    ]
    scores = [
        10.0 if m in ("missing", "type change") and d else sc
        for m, d, sc in zip(rows["method"], rows["drifted"], scores)
    ]
    hover = [
        f"{c}<br>{m}: {_fmt(s) if isinstance(s, float) and math.isfinite(s) else '-'}"
        f" (threshold {_fmt(t) if isinstance(t, float) and math.isfinite(t) else '-'})"
        + (f"<br>{n}" if n else "")
        for c, m, s, t, n in zip(
            rows["column"], rows["method"], rows["statistic"], rows["threshold"], rows["note"]
        )
    ]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": list(rows["column"]),
                "x": scores,
                "marker": {"color": [DRIFT_COLOR if d else OK_COLOR for d in rows["drifted"]]},
                "hovertext": hover,
                "hoverinfo": "text",
            }
        ],
        "layout": {
            "title": {
                "text": f"{report.reference} → {report.current}: {report.verdict}"
                f"<br><sup>{html.escape(report.rule)}</sup>"
            },
            "xaxis": {"title": {"text": "drift score (1 = threshold)"}, "range": [0, 10.5]},
            "yaxis": {"autorange": "reversed"},
            "shapes": [
                {
                    "type": "line",
                    "x0": 1,
                    "x1": 1,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dash", "color": "#555"},
                }
            ],
            "height": max(250, 28 * len(rows) + 150),
            "margin": {"t": 90, "l": 140},
        },
    }
