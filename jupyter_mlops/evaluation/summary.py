"""Bootstrap samples to reported numbers: a value (sklearn's), an interval, or why not."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .bootstrap import MIN_ROWS, percentile_interval
from .engine import Scored, grouped_samples
from .metrics import metric_names, sklearn_classifier, sklearn_regressor

ALL = "all"


def point(m: Scored, mask: np.ndarray | None = None) -> dict[str, float]:
    """sklearn's metrics of the rows in ``mask`` (all rows when None)."""
    sel = slice(None) if mask is None else mask
    if m.kind == "regressor":
        return sklearn_regressor(m.truth[sel], m.pred[sel])
    classes = np.arange(m.n_classes)
    proba = None if m.proba is None else m.proba[sel]
    return sklearn_classifier(m.truth[sel], m.pred[sel], proba, classes)


def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def entry(value: float, lo: float, hi: float, n: int) -> dict[str, Any]:
    """``{"value", "low", "high"}``; no interval below MIN_ROWS rows (``note`` says so)."""
    out: dict[str, Any] = {"value": _num(value), "low": None, "high": None}
    if n < MIN_ROWS:
        out["note"] = f"too few rows for an interval ({n} < {MIN_ROWS})"
    elif _num(lo) is None or _num(hi) is None:
        out["note"] = "no interval: the metric is undefined on some resamples"
    else:
        out["low"], out["high"] = _num(lo), _num(hi)
    return out


def grouping(
    models: Sequence[Scored],
    codes: np.ndarray,
    labels: list[str],
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> tuple[list[list[dict[str, Any]]], list[dict[str, np.ndarray]], np.ndarray]:
    """Per model, one record per group value; plus the raw samples and rows per group."""
    rows, _, samples = grouped_samples(models, codes, len(labels), n_boot, rng)
    names = metric_names(models[0].kind, models[0].proba is not None)
    out: list[list[dict[str, Any]]] = []
    for m, s in zip(models, samples, strict=True):
        bounds = {k: percentile_interval(s[k], confidence) for k in names}
        records = []
        for v, label in enumerate(labels):
            values = point(m, None if len(labels) == 1 else codes == v)
            metrics = {
                k: entry(values[k], bounds[k][0][v], bounds[k][1][v], int(rows[v])) for k in names
            }
            records.append({"value": label, "n": int(rows[v]), "metrics": metrics})
        out.append(records)
    return out, samples, rows


def confusion(m: Scored) -> dict[str, Any]:
    k = m.n_classes
    matrix = np.bincount(m.truth * k + m.pred, minlength=k * k).reshape(k, k)
    return {"labels": [str(c) for c in m.classes or ()], "matrix": matrix.tolist()}


def residuals(m: Scored) -> dict[str, Any]:
    e = m.pred - m.truth
    q = np.quantile(e, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "mean": float(e.mean()),
        "std": float(e.std()),
        "quantiles": dict(zip(["5%", "25%", "50%", "75%", "95%"], map(float, q), strict=True)),
    }
