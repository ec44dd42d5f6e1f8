"""Plotly figures of runs as plain dicts (``{"data": [...], "layout": {...}}``).

Built once here and reused by every face: the notebook widgets arrange them,
the side panel sends them over REST, a static output embeds them in the
``application/vnd.plotly.v1+json`` mime bundle. Nothing here imports plotly,
so the dicts are plain JSON (NaN and infinities become ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import InvalidArgument
from .api import get_metric_history, get_run

# plotly's default qualitative palette ("Plotly"), repeated for more runs.
PALETTE = [
    "#636efa",
    "#EF553B",
    "#00cc96",
    "#ab63fa",
    "#FFA15A",
    "#19d3f3",
    "#FF6692",
    "#B6E880",
    "#FF97FF",
    "#FECB52",
]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MAX_POINTS = 2000  # per curve; longer histories are thinned evenly (first and last kept)


def run_label(name: str | None, run_id: str) -> str:
    """How a run is named in legends: ``name (1a2b3c4d)``."""
    return f"{name} ({run_id[:8]})" if name else run_id[:8]


def _num(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _thin(frame: pd.DataFrame, max_points: int) -> pd.DataFrame:
    if len(frame) <= max_points:
        return frame
    idx = sorted({round(i * (len(frame) - 1) / (max_points - 1)) for i in range(max_points)})
    return frame.iloc[idx]


def empty_figure(message: str, title: str | None = None) -> dict[str, Any]:
    """A blank figure that says why it is blank (no runs selected, no metrics, ...)."""
    layout: dict[str, Any] = {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "height": 260,
        "annotations": [
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14, "color": "#666"},
            }
        ],
    }
    if title:
        layout["title"] = {"text": title}
    return {"data": [], "layout": layout}


def _one_value_each(histories: Mapping[str, Mapping[str, pd.DataFrame]]) -> bool:
    drawn = [f for per_run in histories.values() for f in per_run.values() if not f.empty]
    return bool(drawn) and all(len(f) == 1 for f in drawn)


def _xs(frame: pd.DataFrame, x: str) -> list[Any]:
    if x == "step":
        return [int(s) for s in frame["step"]]
    return [t.isoformat() for t in frame["timestamp"]]


def curves_figure(
    histories: Mapping[str, Mapping[str, pd.DataFrame]],
    labels: Mapping[str, str] | None = None,
    *,
    x: str = "step",
    max_points: int = MAX_POINTS,
) -> dict[str, Any]:
    """Overlaid metric curves from ``{run_id: {metric key: history frame}}``.

    One colour per run, one dash style per metric; a history frame has the
    columns of ``get_metric_history`` (step, timestamp, value).
    """
    if x not in ("step", "timestamp"):
        raise InvalidArgument("x", "'step' or 'timestamp'", x)
    labels = labels or {}
    keys = sorted({k for per_run in histories.values() for k in per_run})
    if _one_value_each(histories):
        return values_figure(histories, labels, keys)
    traces = []
    for n, (run_id, per_run) in enumerate(histories.items()):
        for key in keys:
            frame = per_run.get(key)
            if frame is None or frame.empty:
                continue
            frame = _thin(frame.sort_values(["step", "timestamp"], kind="stable"), max_points)
            xs = _xs(frame, x)
            label = labels.get(run_id, run_id[:8])
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers" if len(frame) < 30 else "lines",
                    "name": f"{label} · {key}" if len(keys) > 1 else label,
                    "legendgroup": run_id,
                    "x": xs,
                    "y": [_num(v) for v in frame["value"]],
                    "line": {
                        "color": PALETTE[n % len(PALETTE)],
                        "dash": DASHES[keys.index(key) % len(DASHES)],
                    },
                    "meta": {"run_id": run_id, "metric": key},
                }
            )
    if not traces:
        return empty_figure(
            "select runs that logged metrics to see their curves"
            if histories
            else "select runs to see their metric curves",
            title="metric curves",
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": "metric curves: " + ", ".join(keys)},
            "xaxis": {"title": {"text": x}},
            "yaxis": {"title": {"text": keys[0] if len(keys) == 1 else "value"}},
            "legend": {"orientation": "h", "y": -0.2},
            "height": 380,
            "margin": {"t": 50, "b": 40},
        },
    }


def values_figure(
    histories: Mapping[str, Mapping[str, pd.DataFrame]],
    labels: Mapping[str, str],
    keys: Sequence[str],
) -> dict[str, Any]:
    """Metrics logged once per run as labelled bars (a single point would float on a [-1, 1] axis)."""
    run_ids = list(histories)
    names = [labels.get(r, r[:8]) for r in run_ids]
    traces = []
    for key in keys:
        values = [
            _num(histories[r][key]["value"].iloc[0])
            if key in histories[r] and not histories[r][key].empty
            else None
            for r in run_ids
        ]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": key,
                "x": values,
                "y": names,
                "text": [f"{v:.4g}" if v is not None else "" for v in values],
                "textposition": "auto",
                "marker": {"color": [PALETTE[n % len(PALETTE)] for n in range(len(run_ids))]},
                "showlegend": len(keys) > 1,
                "hovertemplate": f"%{{y}}<br>{key} = %{{x}}<extra></extra>",
                "meta": {"run_ids": run_ids, "metric": key},
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": "one value per run: " + ", ".join(keys)},
            "barmode": "group",
            "xaxis": {"title": {"text": keys[0] if len(keys) == 1 else "value"}},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
            "height": max(220, 28 * len(run_ids) * len(keys) + 140),
            "margin": {"t": 70, "b": 50},
        },
    }


def metric_curves(
    run_ids: Sequence[str],
    keys: Sequence[str] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    x: str = "step",
) -> dict[str, Any]:
    """Overlaid curves of ``keys`` (default: every metric any of the runs logged) for ``run_ids``."""
    if isinstance(run_ids, str):
        run_ids = [run_ids]
    wanted = list(keys) if keys is not None else None
    names: dict[str, str] = dict(labels or {})
    histories: dict[str, dict[str, pd.DataFrame]] = {}
    for ref in run_ids:
        data = get_run(ref)
        run_id = data.info.run_id
        names.setdefault(run_id, run_label(data.info.name, run_id))
        run_keys = [k for k in (wanted or sorted(data.metrics)) if k in data.metrics]
        histories[run_id] = {k: get_metric_history(run_id, k) for k in run_keys}
    return curves_figure(histories, names, x=x)


BAR_PX, GAP_PX, MARGIN_T, MARGIN_B = 24, 64, 60, 40  # comparison layout, in pixels


def _panel_title(text: str, y: float) -> dict[str, Any]:
    """A subplot's title, left-aligned just above its domain (``y`` in paper coordinates)."""
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": y,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 13},
    }


def comparison_figure(
    latest: Mapping[str, Mapping[str, float]], labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Latest metric values side by side: one subplot row per metric, one bar per run.

    ``latest`` is ``{run_id: {metric key: value}}``. Metrics have different
    scales, so each gets its own x axis instead of sharing one. Each metric's
    name is a title just above its own bars, and the gaps are sized in pixels
    so that a subplot's tick labels and the next title never overlap the bars.
    """
    labels = labels or {}
    keys = sorted({k for m in latest.values() for k in m})
    if not latest or not keys:
        return empty_figure("no metrics to compare", title="latest metrics")
    run_ids = list(latest)
    names = [labels.get(r, r[:8]) for r in run_ids]
    colours = [PALETTE[n % len(PALETTE)] for n in range(len(run_ids))]
    row_px = BAR_PX * len(run_ids) + 16
    plot_px = len(keys) * row_px + (len(keys) - 1) * GAP_PX
    traces, annotations, layout = [], [], {}
    for i, key in enumerate(keys):
        axis = "" if i == 0 else str(i + 1)
        top = 1.0 - i * (row_px + GAP_PX) / plot_px
        values = [_num(latest[r].get(key)) for r in run_ids]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": key,
                "x": values,
                "y": names,
                "marker": {"color": colours},
                "text": [f"{v:.4g}" if v is not None else "" for v in values],
                "textposition": "auto",
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "showlegend": False,
                "hovertemplate": f"%{{y}}<br>{key} = %{{x}}<extra></extra>",
            }
        )
        layout[f"xaxis{axis}"] = {"anchor": f"y{axis}"}
        layout[f"yaxis{axis}"] = {
            "anchor": f"x{axis}",
            "domain": [max(0.0, top - row_px / plot_px), top],
            "autorange": "reversed",
        }
        annotations.append(_panel_title(key, top))
    layout.update(
        {
            "title": {"text": "latest metrics"},
            "annotations": annotations,
            "height": plot_px + MARGIN_T + MARGIN_B,
            "margin": {"l": 160, "t": MARGIN_T, "b": MARGIN_B},
        }
    )
    return {"data": traces, "layout": layout}


def run_comparison(run_ids: Sequence[str], keys: Sequence[str] | None = None) -> dict[str, Any]:
    """Latest metric values of ``run_ids`` side by side (see ``comparison_figure``)."""
    latest: dict[str, dict[str, float]] = {}
    labels: dict[str, str] = {}
    for ref in run_ids:
        data = get_run(ref)
        run_id = data.info.run_id
        labels[run_id] = run_label(data.info.name, run_id)
        latest[run_id] = {k: v for k, v in data.metrics.items() if keys is None or k in set(keys)}
    return comparison_figure(latest, labels)


def _field(data: Any, name: str) -> Any:
    """``params.lr`` / ``metrics.acc`` / ``tags.x`` of a run, as logged (None when absent)."""
    group, dot, key = name.partition(".")
    if not dot or group not in ("params", "metrics", "tags"):
        raise InvalidArgument("field", "params.<key>, metrics.<key> or tags.<key>", name)
    return getattr(data, group).get(key)


def _axis(values: list[Any]) -> dict[str, Any]:
    """A numeric axis when every present value is a number, else categories in first-seen order."""
    nums = [_num(v) for v in values]
    if all(n is not None for n, v in zip(nums, values) if v is not None):
        return {"values": nums}
    cats = list(dict.fromkeys(str(v) for v in values if v is not None))
    return {
        "values": [None if v is None else cats.index(str(v)) for v in values],
        "tickvals": list(range(len(cats))),
        "ticktext": cats,
    }


def parallel_coordinates(
    run_ids: Sequence[str], metric: str, params: Sequence[str] | None = None
) -> dict[str, Any]:
    """One line per run through its params (default: those that differ) to ``metric``."""
    runs = [get_run(r) for r in run_ids]
    if not runs:
        return empty_figure("select runs to see their params", title="parallel coordinates")
    if params is None:
        keys = sorted({k for r in runs for k in r.params})
        params = [k for k in keys if len({r.params.get(k) for r in runs}) > 1] or keys
    dims = []
    for key in params:
        axis = _axis([r.params.get(key) for r in runs])
        dims.append({"label": key, **axis})
    scores = [_num(r.metrics.get(metric)) for r in runs]
    dims.append({"label": metric, "values": scores})
    return {
        "data": [
            {
                "type": "parcoords",
                "dimensions": dims,
                "line": {
                    "color": [s if s is not None else 0 for s in scores],
                    "showscale": True,
                    "colorscale": "Viridis",
                    "colorbar": {"title": {"text": metric}},
                },
                "meta": {"run_ids": [r.info.run_id for r in runs]},
            }
        ],
        "layout": {
            "title": {"text": f"params → {metric}"},
            "height": 380,
            "margin": {"l": 60, "r": 60, "t": 70, "b": 30},
        },
    }


def runs_scatter(run_ids: Sequence[str], x: str, y: str) -> dict[str, Any]:
    """Each run a point at (``x``, ``y``), any of ``params.*``, ``metrics.*`` or ``tags.*``."""
    runs = [get_run(r) for r in run_ids]
    if not runs:
        return empty_figure("select runs to see them against each other", title="scatter")
    xs = [_field(r, x) for r in runs]
    ys = [_field(r, y) for r in runs]
    as_axis = {n: _axis(v) for n, v in (("x", xs), ("y", ys))}
    labels = [run_label(r.info.name, r.info.run_id) for r in runs]
    layout: dict[str, Any] = {
        "title": {"text": f"{y} against {x}"},
        "height": 380,
        "margin": {"t": 50, "b": 50},
    }
    for n, name in (("x", x), ("y", y)):
        axis: dict[str, Any] = {"title": {"text": name}}
        if "ticktext" in as_axis[n]:
            axis.update(tickvals=as_axis[n]["tickvals"], ticktext=as_axis[n]["ticktext"])
        layout[f"{n}axis"] = axis
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text" if len(runs) <= 20 else "markers",
                "x": as_axis["x"]["values"],
                "y": as_axis["y"]["values"],
                "text": labels,
                "textposition": "top center",
                "marker": {
                    "size": 10,
                    "color": [PALETTE[i % len(PALETTE)] for i in range(len(runs))],
                },
                "meta": {"run_ids": [r.info.run_id for r in runs]},
            }
        ],
        "layout": layout,
    }


def _ema(values: Sequence[float | None], weight: float) -> list[float | None]:
    out: list[float | None] = []
    last: float | None = None
    for v in values:
        if v is None:
            out.append(None)
            continue
        last = v if last is None else weight * last + (1 - weight) * v
        out.append(last)
    return out


def smoothed(figure: dict[str, Any], weight: float) -> dict[str, Any]:
    """The curves of ``figure`` with an exponential moving average drawn over faded raw lines.

    ``weight`` in [0, 1): 0 returns the figure unchanged (TensorBoard's smoothing slider).
    """
    if not isinstance(weight, (int, float)) or not 0 <= weight < 1:
        raise InvalidArgument("smoothing", "a number from 0 up to (not including) 1", weight)
    if weight == 0:
        return figure
    traces = []
    for trace in figure.get("data", []):
        if trace.get("type") != "scatter":
            traces.append(trace)
            continue
        raw = {**trace, "opacity": 0.3, "showlegend": False, "hoverinfo": "skip"}
        smooth = {**trace, "mode": "lines", "y": _ema(trace["y"], weight)}
        traces += [raw, smooth]
    return {**figure, "data": traces}
