"""What a model takes and gives: input columns with types, and the kind of output.

A signature is inferred when a version is registered (from an input example,
else from the columns the estimator was fitted on) and the server validates
every payload against it, so a caller gets a 400 that names the column
instead of a stack trace from deep inside scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument, MlopsError

TYPES = ("double", "long", "boolean", "string")
NUMERIC = frozenset({"double", "long", "boolean"})
_INT_RANGE = 2**63


class PayloadError(MlopsError, ValueError):
    """A prediction request that does not match the model's signature (HTTP 400)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False


@dataclass(frozen=True)
class Signature:
    """``inputs`` is None when nothing was known about the inputs (payloads are then not checked).

    ``named`` is False for models fitted on bare arrays: their columns are called
    ``x0, x1, ...`` and payloads may also send positional rows.
    """

    inputs: tuple[Column, ...] | None
    output: dict[str, Any] = field(default_factory=dict)
    named: bool = True

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.inputs or ()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": None
            if self.inputs is None
            else [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in self.inputs],
            "output": dict(self.output),
            "named": self.named,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Signature:
        data = data or {}
        inputs = data.get("inputs")
        return cls(
            inputs=None
            if inputs is None
            else tuple(Column(c["name"], c["type"], bool(c.get("nullable"))) for c in inputs),
            output=dict(data.get("output") or {}),
            named=bool(data.get("named", True)),
        )


# -- inference ---------------------------------------------------------------------
def _dtype_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return "boolean"
    if kind in "iu":
        return "long"
    if kind == "f":
        return "double"
    return "string"


def _output(model: Any) -> dict[str, Any]:
    from sklearn.base import is_classifier, is_regressor

    def ask(check: Any) -> bool:
        try:  # scikit-learn's checks raise on objects that are not estimators
            return bool(check(model))
        except Exception:
            return False

    classes = getattr(model, "classes_", None)
    if classes is not None and (ask(is_classifier) or hasattr(model, "predict_proba")):
        return {
            "kind": "classification",
            "classes": [c.item() if hasattr(c, "item") else c for c in classes],
            "probabilities": callable(getattr(model, "predict_proba", None)),
        }
    if ask(is_regressor):
        return {"kind": "regression"}
    return {"kind": "unknown"}


def _from_frame(frame: Any) -> tuple[Column, ...]:
    return tuple(
        Column(str(name), _dtype_type(frame[name].dtype), bool(frame[name].isna().any()))
        for name in frame.columns
    )


def infer_signature(model: Any, example: Any = None) -> Signature:
    """From ``example`` (DataFrame, 2-D array, records) if given, else from ``feature_names_in_``."""
    import numpy as np
    import pandas as pd

    output = _output(model)
    names = getattr(model, "feature_names_in_", None)
    if example is not None:
        if isinstance(example, Mapping):
            example = pd.DataFrame(example)
        elif isinstance(example, Sequence) and example and isinstance(example[0], Mapping):
            example = pd.DataFrame(list(example))
        if isinstance(example, pd.DataFrame):
            return Signature(_from_frame(example), output, named=True)
        arr = np.asarray(example)
        if arr.ndim != 2:
            raise InvalidArgument("input_example", "a DataFrame, records or a 2-D array", arr.shape)
        named = names is not None and len(names) == arr.shape[1]
        cols = [str(n) for n in names] if named else [f"x{i}" for i in range(arr.shape[1])]
        typ = _dtype_type(arr.dtype)
        nullable = bool(arr.dtype.kind == "f" and np.isnan(arr).any())
        return Signature(tuple(Column(c, typ, nullable) for c in cols), output, named=named)
    if names is not None:
        return Signature(tuple(Column(str(n), "double") for n in names), output, named=True)
    n = getattr(model, "n_features_in_", None)
    if isinstance(n, int):
        return Signature(tuple(Column(f"x{i}", "double") for i in range(n)), output, named=False)
    return Signature(None, output)


# -- payloads ----------------------------------------------------------------------
SHAPES = (
    'a list of records [{"col": value, ...}], {"records": [...]}, '
    '{"columns": {"col": [values]}}, {"dataframe_split": {"columns": [...], "data": [[...]]}} '
    'or {"inputs": [[row values in column order]]}'
)


def _check_value(column: Column, value: Any, row: int) -> Any:
    t = column.type
    if value is None:
        if column.nullable and t == "double":
            return math.nan
        raise PayloadError(f"column {column.name!r} row {row}: expected {t}, got null")
    if t in ("double", "long") and isinstance(value, int) and not isinstance(value, bool):
        if -_INT_RANGE < value < _INT_RANGE:
            return value
        raise PayloadError(f"column {column.name!r} row {row}: {t} out of range (±2**63)")
    if t == "double":
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            raise PayloadError(f"column {column.name!r} row {row}: expected a finite double")
    elif t == "long":
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif t == "boolean":
        if isinstance(value, bool):
            return value
    elif isinstance(value, str):
        return value
    shown = repr(value) if len(repr(value)) < 40 else repr(value)[:37] + "..."
    raise PayloadError(
        f"column {column.name!r} row {row}: expected {t}, got {type(value).__name__} {shown}"
    )


def _listing(names: Sequence[Any], limit: int = 10) -> str:
    shown = ", ".join(map(str, names[:limit]))
    return shown + (f" ... ({len(names) - limit} more)" if len(names) > limit else "")


def _check_names(signature: Signature, given: Sequence[str]) -> None:
    expected = signature.columns
    given_set = set(given)
    missing = [c for c in expected if c not in given_set]
    extra = [c for c in given if c not in set(expected)]
    problems = []
    if missing:
        problems.append("missing column(s): " + _listing(missing))
    if extra:
        problems.append("unexpected column(s): " + _listing(extra))
    if problems:
        raise PayloadError("; ".join(problems) + ". The model takes: " + _listing(expected))


def _records_to_columns(records: Any, signature: Signature) -> dict[str, list]:
    if not isinstance(records, list) or not records:
        raise PayloadError("records must be a non-empty list of objects")
    if not all(isinstance(r, dict) for r in records):
        if all(isinstance(r, list) for r in records):
            return _rows_to_columns(records, signature)
        raise PayloadError("each record must be an object of column: value")
    if signature.inputs is None:
        return {k: [r.get(k) for r in records] for k in records[0]}
    expected = signature.columns
    for i, r in enumerate(records):
        if len(r) != len(expected) or any(k not in r for k in expected):
            try:
                _check_names(signature, list(r))
            except PayloadError as exc:
                raise PayloadError(f"record {i}: {exc}") from None
    return {
        c.name: [_check_value(c, r[c.name], i) for i, r in enumerate(records)]
        for c in signature.inputs
    }


def _rows_to_columns(
    rows: Any, signature: Signature, names: Sequence[str] | None = None
) -> dict[str, list]:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise PayloadError("rows must be a non-empty list of lists")
    if names is None:
        if signature.inputs is None:
            raise PayloadError("this model has no signature; send records with column names")
        names = signature.columns
    width = len(names)
    for i, r in enumerate(rows):
        if len(r) != width:
            raise PayloadError(
                f"row {i}: expected {width} values ({', '.join(names)}), got {len(r)}"
            )
    return _columns_to_columns({n: [r[j] for r in rows] for j, n in enumerate(names)}, signature)


def _columns_to_columns(columns: Any, signature: Signature) -> dict[str, list]:
    if not isinstance(columns, dict) or not columns:
        raise PayloadError('columns must be an object {"column": [values], ...}')
    lengths = {len(v) if isinstance(v, list) else -1 for v in columns.values()}
    if -1 in lengths:
        raise PayloadError("every column must be a list of values")
    if len(lengths) != 1 or 0 in lengths:
        raise PayloadError("all columns must be non-empty lists of the same length")
    if signature.inputs is None:
        return dict(columns)
    _check_names(signature, list(columns))
    return {
        c.name: [_check_value(c, v, i) for i, v in enumerate(columns[c.name])]
        for c in signature.inputs
    }


def parse_payload(body: Any, signature: Signature) -> dict[str, list]:
    """Validated input columns (in signature order) from a decoded JSON request body."""
    if isinstance(body, list):
        return _records_to_columns(body, signature)
    if not isinstance(body, dict):
        raise PayloadError("expected " + SHAPES)
    keys = [
        k
        for k in (
            "records",
            "dataframe_records",
            "columns",
            "dataframe_split",
            "inputs",
            "instances",
        )
        if k in body
    ]
    unknown = [
        k
        for k in body
        if k
        not in {
            "records",
            "dataframe_records",
            "columns",
            "dataframe_split",
            "inputs",
            "instances",
            "params",
        }
    ]
    if len(keys) != 1 or unknown:
        raise PayloadError("expected " + SHAPES)
    key = keys[0]
    value = body[key]
    if key in ("records", "dataframe_records"):
        return _records_to_columns(value, signature)
    if key == "columns":
        return _columns_to_columns(value, signature)
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("columns"), list):
            raise PayloadError('dataframe_split must be {"columns": [...], "data": [[...]]}')
        return _rows_to_columns(value.get("data"), signature, [str(c) for c in value["columns"]])
    return _records_to_columns(value, signature)
