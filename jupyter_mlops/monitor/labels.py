"""Late labels: the true outcome of served predictions, joined to them by prediction id.

A call applies all its labels or none: unknown ids, an id given twice, an id
already labelled (without ``replace=True``) or a label of the wrong type for
the model's output refuse the whole call, and the error says how many. An id
the server returned for a row it sampled out of the log (or dropped) is not
unknown: its label is skipped and counted (``LabelOutcome.skipped``).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidArgument
from ..registry.uri import parse_ref
from ..store import get_store
from ..store import models as model_store
from ..store import monitoring as monitor_store
from ..store.monitoring import LabelOutcome, UnknownPredictions

__all__ = ["LabelOutcome", "UnknownPredictions", "log_labels"]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def _as_list(values: Any, argument: str) -> list:
    if isinstance(values, (str, bytes, dict)) or values is None:
        raise InvalidArgument(argument, "a list (or array or Series) of values", values)
    try:
        return [_plain(v) for v in values]
    except TypeError:
        raise InvalidArgument(argument, "a list (or array or Series) of values", values) from None


ID_COLUMNS = ("id", "prediction_id")  # the server's field, then predict's output column


def _from_frame(frame: Any, id_column: str | None, label_column: str) -> tuple[list, list]:
    if id_column is None:
        found = [c for c in ID_COLUMNS if c in frame.columns]
        if not found:
            columns = ", ".join(map(str, frame.columns))
            raise InvalidArgument(
                "id_column", f"a column id or prediction_id, or id_column= one of {columns}", None
            )
        id_column = found[0]
    for argument, column in (("id_column", id_column), ("label_column", label_column)):
        if column not in frame.columns:
            raise InvalidArgument(
                argument, f"a column of the frame ({', '.join(map(str, frame.columns))})", column
            )
    return _as_list(frame[id_column], "ids"), _as_list(frame[label_column], "labels")


def _check_ids(ids: list) -> list[str]:
    bad = [i for i in ids if not isinstance(i, str) or not i]
    if bad:
        raise InvalidArgument("ids", "prediction ids (strings the server returned)", bad[0])
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = sorted({i for i in ids if i in seen or seen.add(i)})
        raise InvalidArgument(
            "ids", "each id once per call", f"{len(repeated)} repeated, e.g. {repeated[0]!r}"
        )
    return ids


def _kind(name: str) -> tuple[str, list]:
    """The output kind the model's versions agree on and the classes they know."""
    kinds, classes = set(), []
    for v in model_store.list_versions(get_store(), name):
        output = (v.signature or {}).get("output") or {}
        kinds.add(output.get("kind", "unknown"))
        classes.extend(c for c in output.get("classes") or () if c not in classes)
    return (kinds.pop() if len(kinds) == 1 else "unknown"), classes


def _check_labels(labels: list, kind: str, classes: list) -> list:
    def refuse(expected: str, value: Any) -> InvalidArgument:
        return InvalidArgument("labels", expected, f"{value!r} ({type(value).__name__})")

    for value in labels:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise refuse("a label for every id (no missing values)", value)
    if kind == "regression":
        for value in labels:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise refuse("numbers: the model is a regressor", value)
            if not math.isfinite(value):
                raise refuse("finite numbers: the model is a regressor", value)
        return labels
    if kind == "classification" and classes:
        numeric = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in classes)
        out = []
        for value in labels:
            if numeric and isinstance(value, float) and value.is_integer():
                value = int(value)  # a CSV column with a missing value reads as floats
            if numeric != (isinstance(value, (int, float)) and not isinstance(value, bool)):
                shown = ", ".join(map(repr, classes[:10]))
                raise refuse(f"classes of the same type as the model's ({shown})", value)
            out.append(value)
        return out
    for value in labels:
        if not isinstance(value, (str, int, float, bool)):
            raise refuse("plain values (strings, numbers or booleans)", value)
    return labels


def log_labels(
    model: str,
    ids: Any,
    labels: Any = None,
    *,
    id_column: str | None = None,
    label_column: str = "label",
    replace: bool = False,
) -> LabelOutcome:
    """Record the true outcome of served predictions of ``model``, joined by prediction id.

    ``ids`` and ``labels`` are equal-length sequences, or ``ids`` is a DataFrame
    with ``id_column`` (default ``id``, else ``prediction_id`` as ``predict``
    writes it) and ``label_column``. All or nothing: see the module doc.
    """
    name = parse_ref(model).name
    if labels is None and hasattr(ids, "columns"):
        ids, labels = _from_frame(ids, id_column, label_column)
    else:
        ids, labels = _as_list(ids, "ids"), _as_list(labels, "labels")
    if len(ids) != len(labels):
        raise InvalidArgument("labels", f"one label per id ({len(ids)})", len(labels))
    if not ids:
        raise InvalidArgument("ids", "at least one prediction id", "none")
    if not isinstance(replace, bool):
        raise InvalidArgument("replace", "True or False", replace)
    _check_ids(ids)
    model_store.get_model(get_store(), name)  # NotFound names the model
    labels = _check_labels(labels, *_kind(name))
    return monitor_store.add_labels(get_store(), name, ids, labels, replace=replace)
