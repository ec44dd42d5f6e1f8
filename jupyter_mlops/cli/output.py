"""Rendering for the CLI: readable tables for people (``jupyter_mlops.text_table``), JSON for machines."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import click
import pandas as pd

from ..text_table import fmt, frame_table, table

__all__ = ["echo_json", "fmt", "frame_table", "jsonable", "table"]


def jsonable(value: Any) -> Any:
    """Plain JSON values; NaN and infinities become the strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return jsonable(value.item())
    if value is pd.NaT:
        return None
    return value


def echo_json(value: Any) -> None:
    click.echo(json.dumps(jsonable(value), indent=2, default=str))
