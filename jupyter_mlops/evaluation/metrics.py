"""Which metrics a model gets, their values by scikit-learn, and the same from cell statistics.

Point values (overall and per slice) come from scikit-learn's own functions.
The bootstrap needs them for a thousand resamples at once, so
:func:`classifier_from_cells` and :func:`regressor_from_cells` compute the same
quantities from per-cell counts and sums (see ``bootstrap.py``), vectorised
over any leading axes; tests keep both equal on the data itself.

Classifiers: accuracy, precision, recall, F1 (binary: of the positive class,
the model's second class; multiclass: the unweighted mean over the model's
classes, sklearn's ``average="macro"``, a class never predicted counting 0),
ROC AUC (binary: of the positive class's probability; multiclass: one class
against the rest, macro mean) and log loss, the last two only for models with
``predict_proba``. Regressors: MAE, RMSE, R².
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSOR_METRICS = ("mae", "rmse", "r2")
PROBA_METRICS = frozenset({"roc_auc", "log_loss"})
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse"})


def metric_names(kind: str, has_proba: bool = True) -> tuple[str, ...]:
    if kind == "regressor":
        return REGRESSOR_METRICS
    return tuple(m for m in CLASSIFIER_METRICS if has_proba or m not in PROBA_METRICS)


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> float:
    """sklearn's value, NaN where it is undefined (one class only in a slice, ...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(fn(*args, **kwargs))
        except ValueError:
            return math.nan


def sklearn_classifier(
    y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, classes: np.ndarray
) -> dict[str, float]:
    """The classifier metrics of one set of rows, by scikit-learn."""
    from sklearn import metrics as m

    labels = list(classes)
    binary = len(labels) == 2
    avg = (
        {"average": "binary", "pos_label": labels[1]}
        if binary
        else {"average": "macro", "labels": labels}
    )
    out = {
        "accuracy": _quiet(m.accuracy_score, y, pred),
        "precision": _quiet(m.precision_score, y, pred, zero_division=0, **avg),
        "recall": _quiet(m.recall_score, y, pred, zero_division=0, **avg),
        "f1": _quiet(m.f1_score, y, pred, zero_division=0, **avg),
    }
    if proba is not None:
        if binary:
            out["roc_auc"] = _quiet(m.roc_auc_score, y == labels[1], proba[:, 1])
        else:
            out["roc_auc"] = _quiet(
                m.roc_auc_score, y, proba, multi_class="ovr", average="macro", labels=labels
            )
        out["log_loss"] = _quiet(m.log_loss, y, proba, labels=labels)
    return out


def sklearn_regressor(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from sklearn import metrics as m

    return {
        "mae": _quiet(m.mean_absolute_error, y, pred),
        "rmse": math.sqrt(_quiet(m.mean_squared_error, y, pred)),
        "r2": _quiet(m.r2_score, y, pred),
    }


def row_log_loss(y_idx: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Each row's log loss, clipped as ``sklearn.metrics.log_loss`` clips."""
    eps = np.finfo(proba.dtype).eps
    p = np.clip(proba[np.arange(len(y_idx)), y_idx], eps, 1 - eps)
    return -np.log(p)


def auc_classes(n_classes: int) -> list[int]:
    """The classes whose one-against-rest AUC is averaged (binary: the positive class only)."""
    return [1] if n_classes == 2 else list(range(n_classes))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def classifier_from_cells(
    counts: np.ndarray,
    sums: np.ndarray | None,
    theta: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Metrics from counts ``(..., K, K)`` over (true, predicted) and sums ``(..., K, K, Q)``.

    ``sums[..., 0]`` holds log loss, ``sums[..., 1:]`` the AUC placements of
    :func:`auc_classes`; ``None`` when the model gives no probabilities.
    ``theta`` is the AUC of the data itself per class (the bootstrap's
    linearisation point); without it the data's own AUC is returned as theta.
    """
    k = counts.shape[-1]
    total = counts.sum(axis=(-1, -2))
    tp = np.diagonal(counts, axis1=-2, axis2=-1)
    n_true, n_pred = counts.sum(axis=-1), counts.sum(axis=-2)
    precision, recall = _ratio(tp, n_pred), _ratio(tp, n_true)
    f1 = _ratio(2 * tp, n_pred + n_true)
    pick = (lambda a: a[..., 1]) if k == 2 else (lambda a: a.mean(axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            "accuracy": tp.sum(axis=-1) / total,
            "precision": pick(precision),
            "recall": pick(recall),
            "f1": pick(f1),
        }
    if sums is None:
        return out, None
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log_loss"] = sums[..., 0].sum(axis=(-1, -2)) / total
        place = sums[..., 1:].sum(axis=-2)  # (..., K true, A)
        cls = auc_classes(k)
        pos = np.stack([place[..., c, a] for a, c in enumerate(cls)], axis=-1)
        all_ = place.sum(axis=-2)
        n_pos = np.stack([n_true[..., c] for c in cls], axis=-1)
        pos_mean = pos / n_pos
        neg_mean = (all_ - pos) / (total[..., None] - n_pos)
        if theta is None:
            theta = pos_mean
        out["roc_auc"] = (pos_mean + neg_mean - theta).mean(axis=-1)
    return out, theta


def regressor_from_cells(counts: np.ndarray, sums: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics from counts ``(...,)`` and sums ``(..., 4)`` of ``|e|, e², y, y²``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = sums[..., 1]
        sst = sums[..., 3] - sums[..., 2] ** 2 / counts
        return {
            "mae": sums[..., 0] / counts,
            "rmse": np.sqrt(np.clip(sse, 0, None) / counts),
            "r2": 1.0 - sse / sst,
        }
