"""A model and a frame to scores: its kind, the columns it needs, predictions, importance."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgument
from .engine import Scored

MAX_CLASSES = 50


def kind_of(model: Any) -> str:
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(model) or (hasattr(model, "classes_") and not is_regressor(model)):
        return "classifier"
    if not hasattr(model, "predict"):
        raise InvalidArgument("model", "a fitted model with predict()", type(model).__name__)
    return "regressor"


def feature_columns(model: Any, frame: pd.DataFrame, target: str, signature: list[str]) -> list:
    """The columns the model scores: what it was fitted on, else its signature, else the rest."""
    names = getattr(model, "feature_names_in_", None)
    wanted = [str(c) for c in names] if names is not None else list(signature)
    if not wanted:
        return [c for c in frame.columns if c != target]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InvalidArgument(
            "data",
            f"the columns the model scores ({', '.join(wanted)})",
            hint=f"Missing from the data: {', '.join(missing)}",
        )
    return wanted


def _indices(values: Any, classes: np.ndarray, argument: str, what: str) -> np.ndarray:
    idx = pd.Index(classes).get_indexer(pd.Series(values).to_numpy())
    if (idx < 0).any():
        unknown = sorted({str(v) for v in pd.Series(values)[idx < 0].unique()})[:5]
        raise InvalidArgument(
            argument,
            f"{what} among the model's classes {[c for c in classes.tolist()]}",
            hint=f"Unknown: {', '.join(unknown)}",
        )
    return idx


def score(model: Any, x: pd.DataFrame, y: pd.Series) -> Scored:
    """The model's scores of ``x`` against the truth ``y`` (no metric yet)."""
    kind = kind_of(model)
    try:
        pred = np.asarray(model.predict(x))
        proba = None
        if kind == "classifier" and hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(x), dtype=float)
    except Exception as exc:  # the model's own error, named with the columns it was given
        raise InvalidArgument(
            "model",
            f"a model that can score the columns {', '.join(map(str, x.columns))}",
            hint=f"{type(exc).__name__}: {exc}",
        ) from exc
    if kind == "regressor":
        truth = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
        if np.isnan(truth).any():
            raise InvalidArgument("target", "numeric values without nulls for a regressor", y.name)
        return Scored(kind, truth, pred.astype(float).ravel())
    classes = np.asarray(model.classes_)
    if len(classes) < 2 or len(classes) > MAX_CLASSES:
        raise InvalidArgument("model", f"a classifier with 2 to {MAX_CLASSES} classes", classes)
    truth = _indices(y, classes, "target", f"values of {y.name!r}")
    return Scored(
        kind, truth, _indices(pred, classes, "model", "predictions"), proba, tuple(classes)
    )


def importance(
    model: Any, x: pd.DataFrame, y: pd.Series, kind: str, *, rows: int, repeats: int, seed: int
) -> list[dict[str, Any]]:
    """Permutation importance on up to ``rows`` seeded rows, most important first."""
    if rows <= 0 or repeats <= 0:
        return []
    from sklearn.inspection import permutation_importance

    if len(x) > rows:
        pick = np.random.default_rng(seed).choice(len(x), rows, replace=False)
        x, y = x.iloc[np.sort(pick)], y.iloc[np.sort(pick)]
    scoring = "accuracy" if kind == "classifier" else "r2"
    found = permutation_importance(
        model, x, y, scoring=scoring, n_repeats=repeats, random_state=seed
    )
    out = [
        {"feature": str(c), "mean": float(m), "std": float(s), "scoring": scoring}
        for c, m, s in zip(x.columns, found.importances_mean, found.importances_std, strict=True)
    ]
    return sorted(out, key=lambda r: -r["mean"])


def predictions_bytes(s: Scored) -> bytes:
    """The scores as one ``.npy`` array (prediction, then each class probability)."""
    cols = [s.pred.astype(float)]
    if s.proba is not None:
        cols.extend(s.proba.T)
    buf = io.BytesIO()
    np.save(buf, np.column_stack(cols), allow_pickle=False)
    return buf.getvalue()


def from_predictions(data: bytes, kind: str, truth: np.ndarray, classes: tuple | None) -> Scored:
    arr = np.load(io.BytesIO(data), allow_pickle=False)
    if kind == "regressor":
        return Scored(kind, truth, arr[:, 0])
    proba = arr[:, 1:] if arr.shape[1] > 1 else None
    return Scored(kind, truth, arr[:, 0].astype(np.int64), proba, classes)
