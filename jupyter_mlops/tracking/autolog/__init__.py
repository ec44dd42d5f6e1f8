"""Automatic logging for libraries: ``mlops.autolog("sklearn")`` and ``%mlops autolog sklearn``."""

from __future__ import annotations

from ...errors import InvalidArgument
from .sklearn import SklearnAutolog, load_model

__all__ = ["autolog", "autolog_enabled", "load_model"]

FLAVORS = ("sklearn",)
_enabled: dict[str, SklearnAutolog] = {}


def autolog(
    flavor: str = "sklearn",
    *,
    disable: bool = False,
    log_models: bool = True,
    cv_child_runs: bool = True,
    max_child_runs: int = 500,
) -> bool:
    """Record every ``fit`` of ``flavor``'s estimators; ``disable=True`` restores the originals.

    scikit-learn: each ``fit``/``fit_transform``/``fit_predict`` the user calls (not
    one made by a metric, a meta-estimator or any other scikit-learn code) inside
    a run (or opening one named after the estimator) records the estimator class,
    ``get_params()``, ``estimator.score`` on the training data, the input schema,
    the fitted model (skops) and, for search estimators, ``best_score_``,
    ``best_params_`` and each row of ``cv_results_`` as a child run. A second
    fit inside the same run is recorded as a child run, so nothing is overwritten.
    Returns whether autolog is now on for ``flavor``.
    """
    name = str(flavor).lower()
    if name in ("scikit-learn", "sk"):
        name = "sklearn"
    if name not in FLAVORS:
        raise InvalidArgument("flavor", "one of " + ", ".join(FLAVORS), flavor)
    current = _enabled.pop(name, None)
    if current is not None:
        current.disable()
    if disable:
        return False
    patcher = SklearnAutolog(
        log_models=log_models, cv_child_runs=cv_child_runs, max_child_runs=max_child_runs
    )
    patcher.enable()
    _enabled[name] = patcher
    return True


def autolog_enabled() -> tuple[str, ...]:
    """The flavors autolog is on for."""
    return tuple(sorted(_enabled))
