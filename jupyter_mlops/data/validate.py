"""Expectations (a readable, editable rule set) and validation of data against them.

``expectations_from("train@3")`` infers, from the snapshot's profile alone:

- the columns that must be present (extra columns are allowed unless
  ``allow_extra_columns`` is set to False);
- per column, its ``type`` (a value of the same kind passes: any integer or
  float for a numeric column, any string type for a text column);
- ``max_null_rate``: the observed rate of nulls and NaN plus a margin
  (``max(0.01, half the observed rate)``), at most 1;
- numeric and datetime columns: ``min`` and ``max`` widened by ``margin``
  (default 50%) of the observed range (a non-negative column keeps 0 as its
  floor), and ``finite: true`` when the data had no infinities. The ranges
  are loose on purpose: they catch unit mix-ups, sign flips and sentinel
  values like -999 without flagging the next sample's slightly larger
  extremes; tighten them by editing;
- text, category and bool columns with at most ``MAX_ALLOWED`` distinct
  values: ``allowed_values``.

The rules are a plain dict (``Expectations.rules``), printable as YAML, that
you may edit and save back with ``save_expectations``. ``validate(df,
against=...)`` profiles ``df`` once (binning numeric columns on each rule's
``[min, max]`` to count rows outside it) and returns a report of violations.
"""

from __future__ import annotations

import copy
import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgument
from ..store import get_store
from ..store import snapshots as snap_store
from ..store.snapshots import SnapshotInfo
from .frames import DATETIME, NUMERIC, column_kind, to_table
from .profile import CategoricalProfile, NumericProfile, TableProfile, profile_table

MARGIN = 0.5
MAX_ALLOWED = 50
FORMAT = 1


@dataclass
class Expectations:
    """Rules per column, as an editable dict: ``exp.rules["age"]["max"] = 130``."""

    rules: dict[str, dict[str, Any]]
    allow_extra_columns: bool = True
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "source": self.source,
            "allow_extra_columns": self.allow_extra_columns,
            "columns": copy.deepcopy(self.rules),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Expectations:
        if not isinstance(d, dict) or not isinstance(d.get("columns"), dict):
            raise InvalidArgument("expectations", "a dict with a 'columns' mapping", d)
        return cls(
            rules=copy.deepcopy(d["columns"]),
            allow_extra_columns=bool(d.get("allow_extra_columns", True)),
            source=d.get("source"),
        )

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str) -> Expectations:
        import yaml

        return cls.from_dict(yaml.safe_load(text))

    def table(self) -> pd.DataFrame:
        """One row per (column, rule, expected value)."""
        rows = [
            {"column": c, "rule": r, "expected": _show(v)}
            for c, rules in self.rules.items()
            for r, v in rules.items()
            if r != "kind"
        ]
        return pd.DataFrame(rows, columns=["column", "rule", "expected"])

    def __repr__(self) -> str:
        return f"Expectations(source={self.source!r})\n" + self.to_yaml()

    def _repr_html_(self) -> str:
        return f"<p>Expectations from {html.escape(str(self.source))}</p>" + self.table().to_html(
            index=False
        )


def _show(v: Any) -> str:
    if isinstance(v, list):
        shown = ", ".join(map(str, v[:10]))
        return f"[{shown}{', ...' if len(v) > 10 else ''}]"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _round(x: float) -> float:
    return float(f"{x:.6g}")


def _to_seconds(v: Any) -> float:
    if isinstance(v, str):
        return pd.Timestamp(v).timestamp()
    return float(v)


def _bound_out(kind: str, v: float) -> Any:
    if kind == DATETIME:
        return pd.Timestamp(v, unit="s").isoformat()
    return _round(v)


def _column_rules(p: Any, arrow_type: str, margin: float) -> dict[str, Any]:
    rules: dict[str, Any] = {"type": arrow_type, "kind": p.kind}
    rate = p.missing / p.count if p.count else 0.0
    rules["max_null_rate"] = _round(min(1.0, rate + max(0.01, rate * 0.5)))
    if isinstance(p, NumericProfile) and p.n:
        width = p.max - p.min
        pad = margin * width if width > 0 else margin * max(abs(p.min), 1.0)
        low = p.min - pad
        if p.min >= 0 and p.kind == NUMERIC:
            low = max(low, 0.0)  # non-negative data stays non-negative
        rules["min"] = _bound_out(p.kind, low)
        rules["max"] = _bound_out(p.kind, p.max + pad)
        if p.pos_inf == 0 and p.neg_inf == 0:
            rules["finite"] = True
    elif isinstance(p, CategoricalProfile) and p.exact and 0 < len(p.counts) <= MAX_ALLOWED:
        rules["allowed_values"] = sorted((v for v, _ in p.counts), key=lambda v: (str(type(v)), v))
    return rules


def infer_expectations(
    profile: TableProfile, *, margin: float = MARGIN, source: str | None = None
) -> Expectations:
    rules = {
        name: _column_rules(p, profile.types.get(name, ""), margin)
        for name, p in profile.columns.items()
    }
    return Expectations(rules=rules, source=source)


def expectations_from(source: Any, *, margin: float = MARGIN, save: bool = True) -> Expectations:
    """Infer expectations from a snapshot (saved with it unless ``save=False``) or a frame."""
    if not (isinstance(margin, (int, float)) and 0 <= margin <= 10):
        raise InvalidArgument("margin", "a number between 0 and 10", margin)
    from .snapshot import get_profile, get_snapshot, is_snapshot_ref

    if is_snapshot_ref(source):
        info = get_snapshot(source)
        exp = infer_expectations(get_profile(info), margin=margin, source=info.ref)
        if save:
            save_expectations(info, exp)
        return exp
    table = to_table(source, "source")
    return infer_expectations(profile_table(table), margin=margin, source="frame")


def save_expectations(ref: Any, expectations: Expectations | dict[str, Any]) -> SnapshotInfo:
    """Store (edited) expectations with a snapshot; ``validate(df, against=ref)`` uses them."""
    from .snapshot import get_snapshot

    exp = _as_expectations(expectations)
    info = get_snapshot(ref)
    return snap_store.save_expectations(get_store(), info.id, exp.to_dict())


def _as_expectations(x: Any) -> Expectations:
    if isinstance(x, Expectations):
        return x
    if isinstance(x, dict):
        return Expectations.from_dict(x)
    raise InvalidArgument("expectations", "an Expectations or its dict form", type(x).__name__)


def get_expectations(ref: Any) -> Expectations:
    """The expectations saved with a snapshot, or inferred from its profile when none are."""
    from .snapshot import get_profile, get_snapshot

    info = get_snapshot(ref)
    if info.expectations is not None:
        return Expectations.from_dict(info.expectations)
    return infer_expectations(get_profile(info), source=info.ref)


# -- validation ---------------------------------------------------------------------
@dataclass(frozen=True)
class ValidationReport:
    """``ok`` and one row per violation (column, rule, observed, expected)."""

    ok: bool
    violations: pd.DataFrame
    n_rows: int
    against: str | None = None
    expectations: Expectations | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "n_rows": self.n_rows,
            "against": self.against,
            "violations": [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in self.violations.to_dict(orient="records")
            ],
        }

    def __repr__(self) -> str:
        head = f"ValidationReport(against {self.against}: {'ok' if self.ok else 'FAILED'}, "
        head += f"{len(self.violations)} violations, {self.n_rows} rows)"
        return head if self.ok else head + "\n" + self.violations.to_string(index=False)

    def _repr_html_(self) -> str:
        if self.ok:
            return (
                f'<p><b style="color:#27ae60">valid</b>: {self.n_rows} rows meet every '
                f"expectation of {html.escape(str(self.against))}</p>"
            )
        return (
            f'<p><b style="color:#c0392b">{len(self.violations)} violations</b> of '
            f"{html.escape(str(self.against))} in {self.n_rows} rows</p>"
            + self.violations.to_html(index=False)
        )


def _check_column(
    name: str, rules: dict[str, Any], p: Any, cur_type: str
) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    kind = rules.get("kind")
    if kind is not None and p.kind != kind and p.kind != "null":
        out.append((name, "type", f"{cur_type} ({p.kind})", f"{rules.get('type')} ({kind})"))
        return out
    ceiling = rules.get("max_null_rate")
    if ceiling is not None and p.count:
        rate = p.missing / p.count
        if rate > float(ceiling) + 1e-12:
            out.append((name, "max_null_rate", f"{rate:.4g} ({p.missing} rows)", f"<= {ceiling}"))
    if isinstance(p, NumericProfile):
        if "min" in rules and p.hist and p.hist[0]:
            out.append(
                (
                    name,
                    "min",
                    f"{p.hist[0]} rows below, lowest {_bound_out(p.kind, p.min)}",
                    f">= {rules['min']}",
                )
            )
        if "max" in rules and p.hist and p.hist[-1]:
            out.append(
                (
                    name,
                    "max",
                    f"{p.hist[-1]} rows above, highest {_bound_out(p.kind, p.max)}",
                    f"<= {rules['max']}",
                )
            )
        if rules.get("finite") and (p.pos_inf or p.neg_inf):
            out.append((name, "finite", f"{p.pos_inf + p.neg_inf} infinite values", "finite"))
    if isinstance(p, CategoricalProfile) and "allowed_values" in rules:
        allowed = set(rules["allowed_values"])
        bad = [(v, c) for v, c in p.counts if v not in allowed]
        extra = p.other if not p.exact else 0
        if bad or extra:
            n_bad = sum(c for _, c in bad) + extra
            shown = ", ".join(f"{v!r} ({c})" for v, c in bad[:5])
            more = " ..." if len(bad) > 5 or extra else ""
            out.append(
                (
                    name,
                    "allowed_values",
                    f"{n_bad} rows with {shown}{more}",
                    _show(rules["allowed_values"]),
                )
            )
    return out


def _range_edges(rules: dict[str, dict[str, Any]], table_types: dict[str, str]) -> dict:
    """Per numeric column, edges [min, max] so the profile counts rows outside them."""
    edges = {}
    for name, r in rules.items():
        if name in table_types and ("min" in r or "max" in r):
            lo = _to_seconds(r["min"]) if "min" in r else -math.inf
            hi = _to_seconds(r["max"]) if "max" in r else math.inf
            edges[name] = (lo, hi) if hi > lo else (lo, float(np.nextafter(lo, math.inf)))
    return edges


def _observed(data: Any, exp: Expectations) -> TableProfile:
    """The profile of ``data`` on each rule's range: a frame, a Dask frame or a snapshot.

    A Dask frame is profiled per partition on its workers and a snapshot kept
    by reference is streamed from its files; the ranges are fixed edges, so
    merged counts are exact.
    """
    from .dask_source import is_dask_frame
    from .snapshot import get_snapshot, is_snapshot_ref, load_snapshot

    if is_dask_frame(data):
        from .dask_source import profile_dask

        meta = to_table(data._meta, "data", allow_empty=True).schema
        return profile_dask(data, _numeric_edges(exp, meta))
    if is_snapshot_ref(data) and get_snapshot(data).storage == "reference":
        from .dataset_snapshot import referenced_dataset
        from .profile import EDGE_SAMPLE
        from .stream import numeric_columns, sample_edges, scan

        src = referenced_dataset(get_snapshot(data))
        sample = src.sample(numeric_columns(src.schema), EDGE_SAMPLE)
        edges = {**sample_edges(sample), **_numeric_edges(exp, src.schema)}
        return scan(src.batches(), src.schema, edges, fingerprint=False).profile
    if is_snapshot_ref(data):
        data = load_snapshot(data, as_arrow=True)
    table = to_table(data, "data", allow_empty=True)
    return profile_table(table, edges=_numeric_edges(exp, table.schema))


def _numeric_edges(exp: Expectations, schema: Any) -> dict:
    types = {f.name: str(f.type) for f in schema}
    edges = _range_edges(exp.rules, types)
    return {
        n: e for n, e in edges.items() if column_kind(schema.field(n).type) in (NUMERIC, DATETIME)
    }


def validate(data: Any, against: Any) -> ValidationReport:
    """Check ``data`` (a frame, a Dask frame or a stored snapshot) against expectations.

    ``against``: a snapshot reference (its saved expectations, else ones
    inferred from its profile), an ``Expectations`` or its dict form.
    """
    from .snapshot import is_snapshot_ref

    if isinstance(against, (Expectations, dict)):
        exp = _as_expectations(against)
    elif is_snapshot_ref(against):
        exp = get_expectations(against)
    else:
        raise InvalidArgument(
            "against", "a snapshot reference, an Expectations or a dict", type(against).__name__
        )
    profile = _observed(data, exp)
    types = dict(profile.types)
    rows: list[tuple[str, str, str, str]] = []
    for name, rules in exp.rules.items():
        if name not in profile.columns:
            rows.append((name, "present", "missing", "present"))
            continue
        rows += _check_column(name, rules, profile.columns[name], types[name])
    if not exp.allow_extra_columns:
        for name in profile.columns:
            if name not in exp.rules:
                rows.append((name, "no_extra_columns", "present", "absent"))
    violations = pd.DataFrame(rows, columns=["column", "rule", "observed", "expected"])
    return ValidationReport(
        ok=violations.empty,
        violations=violations,
        n_rows=profile.n_rows,
        against=exp.source,
        expectations=exp,
    )
