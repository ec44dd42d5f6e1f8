"""What faces show of a snapshot: per-column summaries of its profile, each with its figure.

The sketches stay in the store; a summary holds counts, moments, a few
quantiles, the histogram or top categories, and the plotly figure (a plain
dict, see ``figures.py``) that the side panel draws as it is.
"""

from __future__ import annotations

import math
from typing import Any

from .profile import CategoricalProfile, ColumnProfile, NumericProfile
from .snapshot import SnapshotRef, get_profile, get_snapshot, runs_of_snapshot

TOP_CATEGORIES = 20
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BAR_COLOR = "#4c78a8"


def _finite(value: Any) -> Any:
    return value if not isinstance(value, float) or math.isfinite(value) else None


def profile_figure(name: str, profile: ColumnProfile) -> dict[str, Any] | None:
    """A bar chart of a column's stored histogram (inner bins) or its most frequent values."""
    layout = {"margin": {"l": 40, "r": 10, "t": 24, "b": 30}, "height": 200}
    if isinstance(profile, NumericProfile):
        edges, hist = list(profile.edges), list(profile.hist)
        if len(edges) < 2:
            return None
        inner = hist[1:-1]
        centers = [(edges[i] + edges[i + 1]) / 2 for i in range(len(inner))]
        widths = [edges[i + 1] - edges[i] for i in range(len(inner))]
        bar = {"type": "bar", "x": centers, "y": inner, "width": widths, "name": name}
        return {
            "data": [{**bar, "marker": {"color": BAR_COLOR}}],
            "layout": {**layout, "title": {"text": name}, "bargap": 0},
        }
    if isinstance(profile, CategoricalProfile):
        top = profile.counts[:TOP_CATEGORIES]
        labels = [str(v) for v, _ in top]
        counts = [c for _, c in top]
        other = profile.other + sum(c for _, c in profile.counts[TOP_CATEGORIES:])
        if other > 0:
            labels.append("(other)")
            counts.append(other)
        bar = {"type": "bar", "x": labels, "y": counts, "name": name}
        return {
            "data": [{**bar, "marker": {"color": BAR_COLOR}}],
            "layout": {**layout, "title": {"text": name}, "margin": {**layout["margin"], "b": 60}},
        }
    return None


def column_summary(name: str, profile: ColumnProfile) -> dict[str, Any]:
    """Counts, moments or categories of one column profile, with its figure."""
    summary: dict[str, Any] = {
        "kind": profile.kind,
        "count": profile.count,
        "missing": profile.missing,
        "figure": profile_figure(name, profile),
    }
    if isinstance(profile, CategoricalProfile):
        summary.update(
            distinct=profile.distinct,
            exact=profile.exact,
            top=[[v, c] for v, c in profile.counts[:TOP_CATEGORIES]],
            other=profile.other + sum(c for _, c in profile.counts[TOP_CATEGORIES:]),
        )
    elif isinstance(profile, NumericProfile):
        quantiles = profile.quantiles(list(QUANTILES)) if profile.n else []
        summary.update(
            mean=_finite(profile.mean),
            std=_finite(profile.std),
            min=_finite(profile.min),
            max=_finite(profile.max),
            quantiles={
                f"p{round(q * 100)}": _finite(float(v)) for q, v in zip(QUANTILES, quantiles)
            },
            edges=list(profile.edges),
            hist=list(profile.hist),  # underflow, one count per bin, overflow
        )
    return summary


def snapshot_summary(ref: SnapshotRef) -> dict[str, Any]:
    """The snapshot, a summary of each column (with its figure) and the runs that read it."""
    info = get_snapshot(ref)
    profile = get_profile(info)
    return {
        "snapshot": info.to_dict(),
        "profile": {
            "n_rows": profile.n_rows,
            "types": dict(profile.types),
            "columns": {name: column_summary(name, p) for name, p in profile.columns.items()},
        },
        "runs": runs_of_snapshot(info),
        "expectations": _expectations(info),
    }


def _expectations(info: Any) -> dict[str, Any]:
    """The expectations saved with the snapshot, else those its profile implies (``saved`` says which)."""
    from .validate import get_expectations

    return {**get_expectations(info).to_dict(), "saved": info.expectations is not None}
