"""The result of ``drift()``: per-column rows, the data-set verdict and the rule behind it.

Kept apart from the statistics (``drift.py``) so that a face reading a report
never needs scipy. Every rendering (``repr``, HTML, the overview figure, JSON,
the CLI) states the rule next to the verdict, e.g. "3 of 12 columns drifted,
dataset drift needs 50%", so that a quiet verdict over a few strongly drifted
columns is never a surprise.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .profile import TableProfile

COLUMNS = [
    "column",
    "kind",
    "method",
    "statistic",
    "threshold",
    "drifted",
    "n_reference",
    "n_current",
    "missing_reference",
    "missing_current",
    "note",
]
MISSING_MODES = ("ignore", "drift")
FAIL_ON = ("dataset", "column")
NOT_COMPARED = ("missing", "new", "type change", "skipped")


def pct(x: float) -> str:
    """A share as a percentage, with a decimal only where one is needed (50%, 33.3%)."""
    return f"{x:.0%}" if round(x * 100, 6).is_integer() else f"{x:.1%}"


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


@dataclass(frozen=True)
class DriftReport:
    """Per-column drift and the data-set verdict. Renders as a table in notebooks.

    ``missing`` says whether columns only in the reference count as drifted
    (``"drift"``) or are only reported (``"ignore"``, the default);
    ``fail_on`` whether a check (``failed``, the CLI's exit code) fails on a
    drifted data set or on any drifted column.
    """

    reference: str
    current: str
    drifted: bool
    share: float  # drifted columns / counted columns
    drift_share: float  # the share at which the data set counts as drifted
    columns: pd.DataFrame
    reference_profile: TableProfile = field(repr=False)
    current_profile: TableProfile = field(repr=False)
    missing: str = "ignore"
    fail_on: str = "dataset"

    @property
    def drifted_columns(self) -> list[str]:
        return list(self.columns.loc[self.columns["drifted"], "column"])

    @property
    def missing_columns(self) -> list[str]:
        """Columns of the reference that the current data lacks."""
        return list(self.columns.loc[self.columns["method"] == "missing", "column"])

    @property
    def new_columns(self) -> list[str]:
        """Columns of the current data that the reference lacks (never counted)."""
        return list(self.columns.loc[self.columns["method"] == "new", "column"])

    @property
    def n_counted(self) -> int:
        """Columns the share is taken over (compared ones, plus missing ones under ``missing="drift"``)."""
        not_counted = ["new", "skipped"] + (["missing"] if self.missing == "ignore" else [])
        return int((~self.columns["method"].isin(not_counted)).sum())

    @property
    def n_drifted(self) -> int:
        return int(self.columns["drifted"].sum())

    @property
    def failed(self) -> bool:
        """Whether a check fails: the data set drifted, or (``fail_on="column"``) any column did."""
        return self.n_drifted > 0 if self.fail_on == "column" else self.drifted

    @property
    def rule(self) -> str:
        """The verdict's arithmetic in words: "3 of 12 columns drifted, dataset drift needs 50%"."""
        parts = [
            f"{self.n_drifted} of {self.n_counted} columns drifted, "
            f"dataset drift needs {pct(self.drift_share)}"
        ]
        if self.fail_on == "column":
            parts.append("any drifted column fails the check")
        if self.missing_columns:
            how = "counted as drifted" if self.missing == "drift" else "not counted"
            parts.append(f"only in reference ({how}): {_names(self.missing_columns)}")
        if self.new_columns:
            parts.append(f"only in current (not counted): {_names(self.new_columns)}")
        return "; ".join(parts)

    @property
    def verdict(self) -> str:
        return "DRIFTED" if self.drifted else "no drift"

    @property
    def schema_changes(self) -> pd.DataFrame:
        methods = {"missing", "new", "type change"}
        return self.columns[self.columns["method"].isin(methods)].reset_index(drop=True)

    def distribution(self, column: str) -> dict[str, Any]:
        """Reference and current shares of a column on the reference's bins or categories."""
        from .figures import distribution

        return distribution(self, column)

    def figure(self, column: str | None = None) -> dict[str, Any]:
        """A plotly figure as a plain dict: the overview, or one column's distributions."""
        from . import figures

        return figures.overview(self) if column is None else figures.column_figure(self, column)

    def to_dict(self, *, distributions: bool = True) -> dict[str, Any]:
        """JSON-able summary (NaN becomes None), with each column's distributions."""
        rows = [
            {k: _json_value(v) for k, v in row.items()}
            for row in self.columns.to_dict(orient="records")
        ]
        out: dict[str, Any] = {
            "reference": self.reference,
            "current": self.current,
            "drifted": self.drifted,
            "failed": self.failed,
            "share": self.share,
            "drift_share": self.drift_share,
            "rule": self.rule,
            "missing": self.missing,
            "fail_on": self.fail_on,
            "n_columns": len(self.columns),
            "n_counted": self.n_counted,
            "n_drifted": self.n_drifted,
            "missing_columns": self.missing_columns,
            "new_columns": self.new_columns,
            "columns": rows,
        }
        if distributions:
            out["distributions"] = {
                row["column"]: self.distribution(row["column"])
                for row in rows
                if row["method"] not in NOT_COMPARED
            }
        return out

    def __repr__(self) -> str:
        head = f"DriftReport({self.reference} -> {self.current}: {self.verdict}, {self.rule})"
        return head + "\n" + self.columns[COLUMNS[:6]].to_string(index=False)

    def _repr_html_(self) -> str:
        colour = "#c0392b" if self.drifted else "#27ae60"
        head = (
            f"<p>Drift {html.escape(self.reference)} &rarr; {html.escape(self.current)}: "
            f'<b style="color:{colour}">{self.verdict}</b> &mdash; {html.escape(self.rule)}</p>'
        )
        styled = self.columns.style.apply(
            lambda r: ["background-color:#fdecea" if r["drifted"] else "" for _ in r], axis=1
        ).format(
            {
                "statistic": "{:.4g}",
                "threshold": "{:.3g}",
                "missing_reference": "{:.1%}",
                "missing_current": "{:.1%}",
            },
            na_rep="",
        )
        return head + styled.hide(axis="index").to_html()


def _json_value(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v
