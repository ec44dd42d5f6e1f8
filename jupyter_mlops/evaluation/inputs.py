"""What an evaluation reads: the model (a registry reference or an object), the rows, slices."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgument

MAX_SLICE_VALUES = 100  # distinct values a slice column may hold
MISSING = "(missing)"


@dataclass
class ModelInput:
    """A model to evaluate: ``key`` identifies it for reuse; the object loads on demand."""

    key: str
    name: str | None
    version: int | None
    signature: list[str]
    model_class: str
    _object: Any = None
    _trusted: Any = False

    @property
    def object(self) -> Any:
        if self._object is None:
            from ..registry.models import load_model

            self._object = load_model(self.key, trusted=self._trusted)
        return self._object


def model_input(model: Any, trusted: Any = False) -> ModelInput:
    """``churn@production``, ``churn/7`` or a fitted model object."""
    if isinstance(model, str):
        from ..registry.models import get_model_version
        from ..registry.signature import Signature

        info = get_model_version(model)
        columns = Signature.from_dict(info.signature).columns
        return ModelInput(
            info.ref, info.name, info.version, columns, info.model_class, None, trusted
        )
    if not hasattr(model, "predict"):
        raise InvalidArgument(
            "model", "a registry reference (name@alias, name/3) or a fitted model", model
        )
    import joblib

    cls = f"{type(model).__module__}.{type(model).__qualname__}"
    return ModelInput(f"object:{joblib.hash(model)}", None, None, [], cls, model)


def snapshot_input(data: Any, data_name: str, argument: str = "data"):
    """The stored snapshot ``data`` names, or a frame snapshotted first as ``data_name``."""
    from ..data.snapshot import get_snapshot, is_snapshot_ref, snapshot

    if is_snapshot_ref(data):
        return get_snapshot(data)
    if data is None:
        raise InvalidArgument(argument, "a snapshot reference (holdout@latest) or a frame", data)
    return snapshot(data, data_name, run=False)


def check_columns(info: Any, target: Any, slices: Any) -> list[str]:
    """The slice columns as a list, after checking they and the target are in the snapshot."""
    if not isinstance(target, str) or target not in info.columns:
        raise InvalidArgument(
            "target", f"a column of {info.ref} ({', '.join(info.columns)})", target
        )
    if slices is None:
        slices = []
    elif isinstance(slices, str):
        slices = [slices]
    if not isinstance(slices, (list, tuple)) or not all(isinstance(c, str) for c in slices):
        raise InvalidArgument("slices", "a list of column names", slices)
    missing = [c for c in slices if c not in info.columns]
    if missing:
        raise InvalidArgument("slices", f"columns of {info.ref}", missing)
    if target in slices:
        raise InvalidArgument("slices", "columns other than the target", target)
    return list(dict.fromkeys(slices))


def slice_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    """Each row's value index in ``column`` and the values as text (nulls one value)."""
    codes, uniques = pd.factorize(frame[column], sort=True, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(labels), codes)
        labels.append(MISSING)
    if len(labels) > MAX_SLICE_VALUES:
        raise InvalidArgument(
            "slices",
            f"columns with at most {MAX_SLICE_VALUES} distinct values to slice by",
            column,
            hint=f"{column!r} has {len(labels):,}; bin it into a column with fewer values first",
        )
    return codes.astype(np.int64), labels


def params_digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
