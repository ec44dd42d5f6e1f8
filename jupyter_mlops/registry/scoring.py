"""MLflow's scoring protocol (``POST /invocations``) parsed into validated input columns.

A client written for ``mlflow models serve`` sends ``application/json`` with
exactly one of ``dataframe_split``, ``dataframe_records``, ``instances`` or
``inputs`` (and optionally ``params``), or ``text/csv`` with a header row. The
body becomes the same columns ``/predict`` validates against the signature, so
both routes share one prediction path (``serve_handlers.score``). Like MLflow,
content types other than those two, a charset other than UTF-8 and MLflow 1.x's
``format=`` parameter are refused with 415; everything else a caller can get
wrong is a 400 ``BAD_REQUEST`` in MLflow's error shape.

Model ``params`` are accepted and, as MLflow does for a model without a params
schema (every scikit-learn model here), not passed to the model.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .signature import PayloadError, Signature, parse_payload

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
CONTENT_TYPES = ("application/json", "text/csv")
_MISSING = frozenset({"", "NA", "NaN", "nan", "null"})
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


class ScoringError(PayloadError):
    """A request refused before validation, with its HTTP status (415 or 400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def content_kind(header: str | None) -> str:
    """``json`` or ``csv`` from a Content-Type header, else ScoringError(415)."""
    mime, *parameters = (part.strip() for part in (header or "").split(";"))
    options = {
        key.strip().lower(): value.strip()
        for key, _, value in (p.partition("=") for p in parameters)
    }
    if options.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise ScoringError("the scoring server only takes UTF-8 bodies", 415)
    if unknown := sorted(set(options) - {"charset"}):
        raise ScoringError(
            f"unrecognised content type parameter(s): {', '.join(unknown)}. MLflow 1.x's "
            "format= parameter is gone since MLflow 2.0: send application/json with one of the "
            f"fields {', '.join(FORMATS)}, or text/csv",
            415,
        )
    mime = mime.lower()
    if mime not in CONTENT_TYPES:
        raise ScoringError(
            f"this server takes the content types {', '.join(CONTENT_TYPES)}; got {header!r}", 415
        )
    return "csv" if mime == "text/csv" else "json"


def parse_request(raw: bytes, content_type: str | None, signature: Signature) -> dict[str, list]:
    """Validated input columns from an ``/invocations`` body (PayloadError when they do not fit)."""
    if content_kind(content_type) == "csv":
        return parse_csv(raw, signature)
    return parse_json(raw, signature)


def _nan_only(name: str) -> Any:
    # MLflow's client writes a missing value as NaN; it becomes null, which the
    # signature accepts only for nullable columns. Infinities are refused.
    if name == "NaN":
        return None
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes, signature: Signature) -> dict[str, list]:
    try:
        body = json.loads(raw, parse_constant=_nan_only)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScoringError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        got = "a list" if isinstance(body, list) else type(body).__name__
        raise ScoringError(_format_message(f"got {got}"))
    keys = [k for k in FORMATS if k in body]
    if len(keys) != 1:
        raise ScoringError(_format_message(f"got the fields {sorted(body)}"))
    params = body.get("params")
    if params is not None and not isinstance(params, dict):
        raise ScoringError(f"params must be an object of name: value, got {type(params).__name__}")
    key = keys[0]
    return parse_payload(_as_payload(key, body[key]), signature)


def _format_message(got: str) -> str:
    return (
        f"The input must be a JSON object with exactly one of the input fields "
        f"{', '.join(FORMATS)} (and optionally params); {got}. Bodies in MLflow 1.x's format "
        "(a bare list of records, or columns and data without a field) changed in MLflow 2.0: "
        'wrap them, e.g. {"dataframe_records": [...]}'
    )


def _as_payload(key: str, value: Any) -> dict[str, Any]:
    """One MLflow field as the body ``parse_payload`` takes (one validation for every route)."""
    if key == "dataframe_split":
        if not isinstance(value, dict):
            raise ScoringError('dataframe_split must be {"columns": [...], "data": [[...]]}')
        if "columns" in value:
            return {"dataframe_split": {"columns": value["columns"], "data": value.get("data")}}
        return {"inputs": value.get("data")}  # rows in the signature's column order
    if key in ("inputs", "instances") and isinstance(value, dict):
        return {"columns": value}
    return {key: value}


def parse_csv(raw: bytes, signature: Signature) -> dict[str, list]:
    """A header row, then one row per prediction; cells typed by the signature."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScoringError(f"the CSV body is not UTF-8: {exc}") from None
    try:
        header, *rows = (row for row in csv.reader(io.StringIO(text)) if row)
    except ValueError:
        raise ScoringError(
            "the CSV body is empty: send a header row, then one row per prediction"
        ) from None
    except csv.Error as exc:
        raise ScoringError(f"the body is not valid CSV: {exc}") from None
    if not rows:
        raise ScoringError("the CSV body has a header but no rows")
    width = len(header)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ScoringError(
                f"CSV row {i}: expected {width} values ({', '.join(header)}), got {len(row)}"
            )
    if signature.inputs is None:
        return parse_payload({"columns": _untyped(header, rows)}, signature)
    types = {c.name: c.type for c in signature.inputs}
    columns = {
        name: [_cell(name, types.get(name, "string"), row[j], i) for i, row in enumerate(rows)]
        for j, name in enumerate(header)
    }
    return parse_payload({"columns": columns}, signature)


def _cell(name: str, kind: str, text: str, row: int) -> Any:
    if text in _MISSING and (kind != "string" or text == ""):
        return None
    try:
        if kind == "double":
            return float(text)
        if kind == "long":
            value = float(text) if "." in text or "e" in text.lower() else int(text)
            return value
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered in _TRUE or lowered in _FALSE:
                return lowered in _TRUE
            raise ValueError(text)
    except ValueError:
        raise PayloadError(f"column {name!r} row {row}: expected {kind}, got {text!r}") from None
    return text


def _untyped(header: list[str], rows: list[list[str]]) -> dict[str, list]:
    """Without a signature each cell is a number when it reads as one (as pandas would)."""

    def guess(text: str) -> Any:
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
        return None if text == "" else text

    return {name: [guess(row[j]) for row in rows] for j, name in enumerate(header)}
