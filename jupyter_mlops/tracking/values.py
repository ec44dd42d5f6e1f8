"""Logging loose notebook values: numbers become metrics, the rest params or artifacts.

``%mlops log`` and ``%mlops artifact`` call these; they work the same from plain Python.
"""

from __future__ import annotations

import io
import json
import numbers
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import InvalidArgument
from .run import require_active_run


def is_metric_value(value: Any) -> bool:
    """Numbers (not booleans) become metrics; everything else is a param."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def log_values(values: Mapping[str, Any], step: int | None = None) -> tuple[dict, dict]:
    """Log numbers as metrics and anything else as params on the active run.

    A non-number under the name of one of the run's metrics is refused (before
    anything is written): it is a mistyped metric far more often than a param.
    Returns (metrics, params) as logged.
    """
    run = require_active_run()
    metrics = {k: float(v) for k, v in values.items() if is_metric_value(v)}
    params = {k: v for k, v in values.items() if k not in metrics}
    clash = sorted(params.keys() & run.data().metrics.keys()) if params else []
    if clash:
        raise InvalidArgument(
            clash[0],
            f"a number: {clash[0]!r} is already a metric of this run",
            params[clash[0]],
            hint="Text or a quoted value would be logged as a param named like the metric",
        )
    if params:
        run.log_params(params)
    if metrics:
        run.log_metrics(metrics, step=step)
    return metrics, params


def value_to_artifact(name: str, value: Any) -> tuple[bytes, str]:
    """Serialize a Python value to (bytes, artifact file name) in an open format.

    DataFrame -> parquet, ndarray -> npy, dict/list -> json, str -> txt,
    bytes as is, scikit-learn estimators -> skops, matplotlib -> png, plotly -> html.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), name
    if isinstance(value, str):
        return value.encode(), f"{name}.txt"
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if isinstance(value, pd.DataFrame):
        buf = io.BytesIO()
        value.to_parquet(buf)
        return buf.getvalue(), f"{name}.parquet"
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            buf = io.BytesIO()
            np.save(buf, value, allow_pickle=False)
            return buf.getvalue(), f"{name}.npy"
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, indent=2, default=str).encode(), f"{name}.json"
    module = type(value).__module__ or ""
    if module.startswith("sklearn") or hasattr(value, "get_params"):
        from .. import skops_bytes

        return skops_bytes.dumps(value), f"{name}.skops"
    if module.startswith("matplotlib") and hasattr(value, "savefig"):
        buf = io.BytesIO()
        value.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue(), f"{name}.png"
    if module.startswith("plotly") and hasattr(value, "to_html"):
        return value.to_html(include_plotlyjs="cdn").encode(), f"{name}.html"
    raise InvalidArgument(
        name,
        "a file path, or a variable holding bytes, str, a DataFrame, an ndarray, a dict/list, "
        "a scikit-learn estimator or a figure",
        type(value).__name__,
    )
