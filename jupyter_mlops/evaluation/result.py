"""An evaluation as the core hands it out: numbers, tables, figures and notebook HTML."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from ..store.evaluations import EvaluationRecord


def _fmt(x: Any) -> str:
    return "" if x is None else f"{x:.4g}"


def metric_rows(metrics: dict[str, dict[str, Any]]) -> list[tuple]:
    return [(k, e["value"], e["low"], e["high"], e.get("note", "")) for k, e in metrics.items()]


def html_table(rows: list[tuple], head: list[str]) -> str:
    cells = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(v if isinstance(v, str) else _fmt(v))}</td>" for v in r)
        + "</tr>"
        for r in rows
    )
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><tr>{th}</tr>{cells}</table>"


class Evaluation:
    """A stored evaluation of one model on one snapshot (``reused``: read back, not computed)."""

    def __init__(self, record: EvaluationRecord, snapshot: str, *, reused: bool = False) -> None:
        self.record = record
        self.snapshot = snapshot
        self.reused = reused

    id = property(lambda self: self.record.id)
    model = property(lambda self: self.record.model_key)
    kind = property(lambda self: self.record.kind)
    n_rows = property(lambda self: self.record.n_rows)
    params = property(lambda self: self.record.params)
    metrics = property(lambda self: self.record.result["metrics"])
    slices = property(lambda self: self.record.result["slices"])
    importance = property(lambda self: self.record.result.get("importance", []))
    confusion = property(lambda self: self.record.result.get("confusion"))
    residuals = property(lambda self: self.record.result.get("residuals"))

    def value(self, metric: str, column: str | None = None, slice_value: Any = None) -> Any:
        """The metric's record ``{"value", "low", "high"}`` overall or for one slice value."""
        from ..errors import InvalidArgument

        if column is None:
            found = self.metrics.get(metric)
        else:
            rows = self.slices.get(column)
            if rows is None:
                raise InvalidArgument(
                    "slice", f"one of the sliced columns {list(self.slices)}", column
                )
            found = next(
                (r["metrics"].get(metric) for r in rows if r["value"] == str(slice_value)), None
            )
        if found is None:
            raise InvalidArgument(
                "metric", f"a metric of this evaluation {list(self.metrics)}", metric
            )
        return found

    def table(self) -> pd.DataFrame:
        """One row per metric: value, interval bounds, note."""
        return pd.DataFrame(
            metric_rows(self.metrics), columns=["metric", "value", "low", "high", "note"]
        )

    def slice_table(self, column: str) -> pd.DataFrame:
        """One row per (slice value, metric) of ``column``."""
        rows = [
            (r["value"], r["n"], *row)
            for r in self.slices[column]
            for row in metric_rows(r["metrics"])
        ]
        return pd.DataFrame(
            rows, columns=["value", "n", "metric", "value_", "low", "high", "note"]
        ).rename(columns={"value": column, "value_": "value"})

    def to_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "model": r.model_key,
            "snapshot": self.snapshot,
            "kind": r.kind,
            "n_rows": r.n_rows,
            "params": r.params,
            "reused": self.reused,
            **r.result,
        }

    def figures(self) -> list[dict[str, Any]]:
        from . import figures

        return figures.evaluation_figures(self)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_fmt(e['value'])}" for k, e in self.metrics.items())
        return f"<Evaluation {self.model} on {self.snapshot} ({self.n_rows} rows): {shown}>"

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{html.escape(self.model)}</b> on <b>{html.escape(self.snapshot)}</b> "
            f"({self.n_rows:,} rows, {self.params['confidence']:.0%} intervals from "
            f"{self.params['n_bootstrap']} resamples{', stored' if self.reused else ''})</p>"
        )
        body = html_table(metric_rows(self.metrics), ["metric", "value", "low", "high", "note"])
        for column, rows in self.slices.items():
            lines = [(r["value"], r["n"], *row) for r in rows for row in metric_rows(r["metrics"])]
            body += f"<p>by <b>{html.escape(column)}</b></p>" + html_table(
                [(str(a), str(b), *rest) for a, b, *rest in lines],
                [column, "rows", "metric", "value", "low", "high", "note"],
            )
        from .figures import html_figures

        return head + body + html_figures(self.figures())
