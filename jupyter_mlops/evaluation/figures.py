"""Plotly figures of evaluations and comparisons as plain dicts (no plotly import).

Error bars are drawn from the stored intervals; a value without an interval
(too few rows) is drawn without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compare import ModelComparison
    from .result import Evaluation

COLOR = "#4c78a8"
WORSE = "#c0392b"


def _bars(labels: list[str], entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    values = [e["value"] for e in entries]
    plus = [None if e["high"] is None else e["high"] - e["value"] for e in entries]
    minus = [None if e["low"] is None else e["value"] - e["low"] for e in entries]
    return {
        "type": "bar",
        "name": name,
        "x": labels,
        "y": values,
        "marker": {"color": COLOR},
        "error_y": {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
    }


def metrics_figure(ev: Evaluation) -> dict[str, Any]:
    """Each overall metric with its interval."""
    names = list(ev.metrics)
    return {
        "data": [_bars(names, [ev.metrics[k] for k in names], ev.model)],
        "layout": {"title": {"text": f"{ev.model} on {ev.snapshot}"}, "yaxis": {"title": "value"}},
    }


def slice_figure(ev: Evaluation, column: str, metric: str) -> dict[str, Any]:
    """``metric`` per value of ``column``, with intervals (rows per value in the hover)."""
    rows = ev.slices[column]
    trace = _bars([r["value"] for r in rows], [r["metrics"][metric] for r in rows], metric)
    trace["customdata"] = [r["n"] for r in rows]
    trace["hovertemplate"] = "%{x}: %{y:.4g} (%{customdata} rows)<extra></extra>"
    return {
        "data": [trace],
        "layout": {"title": {"text": f"{metric} by {column}"}, "yaxis": {"title": metric}},
    }


def importance_figure(ev: Evaluation) -> dict[str, Any]:
    rows = ev.importance
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r["feature"] for r in rows][::-1],
                "x": [r["mean"] for r in rows][::-1],
                "error_x": {"type": "data", "array": [r["std"] for r in rows][::-1]},
                "marker": {"color": COLOR},
            }
        ],
        "layout": {
            "title": {"text": "permutation importance"},
            "xaxis": {"title": f"drop in {rows[0]['scoring'] if rows else 'score'}"},
        },
    }


def evaluation_figures(ev: Evaluation) -> list[dict[str, Any]]:
    main = "accuracy" if ev.kind == "classifier" else "rmse"
    figs = [metrics_figure(ev)]
    figs += [slice_figure(ev, c, main) for c in ev.slices]
    if ev.importance:
        figs.append(importance_figure(ev))
    return figs


def difference_figure(cmp: ModelComparison, column: str | None = None) -> dict[str, Any]:
    """Candidate minus champion per metric (overall) or per slice value of ``column``."""
    if column is None:
        labels = list(cmp.differences)
        entries = [cmp.differences[k] for k in labels]
        title = f"{cmp.candidate} minus {cmp.champion}"
    else:
        rows = cmp.slices[column]
        main = cmp.main_metric
        labels = [r["value"] for r in rows]
        entries = [r["differences"][main] for r in rows]
        title = f"{main}: {cmp.candidate} minus {cmp.champion} by {column}"
    trace = _bars(labels, entries, "difference")
    trace["marker"] = {
        "color": [WORSE if e.get("worse") else COLOR for e in entries],
    }
    return {"data": [trace], "layout": {"title": {"text": title}, "yaxis": {"zeroline": True}}}


def html_figures(figures: list[dict[str, Any]]) -> str:
    """The figures as notebook HTML when plotly is installed ("" otherwise: the tables stand)."""
    try:
        import plotly.io as pio
    except ImportError:
        return ""
    return "".join(pio.to_html(f, full_html=False, include_plotlyjs="require") for f in figures)
