"""Declared monitors: which model's windows to watch, against which snapshot, with which rules.

``monitor(name, model=..., reference=..., drift=..., performance=...)``
declares a monitor, or updates it when ``name`` exists (recorded as an
event); ``list_monitors``, ``get_monitor`` and ``delete_monitor`` do the
rest. The performance rules are the registry's gate language
(``registry.gate_rules``) over the metrics a check computes, with numbers
only (``current`` has no meaning here). ``on_alert`` (``"retrain:churn"`` or
``"pipeline:NAME"``) is stored with each alert's event; ``"retrain:PIPELINE"``
makes ``run_monitor`` call ``retrain`` (``monitor/retrain.py``) on an alert,
with the monitor's ``evaluation`` snapshot, ``target`` and ``require`` gates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..errors import InvalidArgument
from ..registry.gate_rules import Gate, parse_gates
from ..registry.uri import parse_ref
from ..store import get_store
from ..store import monitors as monitor_store
from ..store.monitors import CheckInfo, MonitorInfo

__all__ = [
    "CheckInfo",
    "MonitorInfo",
    "delete_monitor",
    "get_monitor",
    "list_monitors",
    "monitor",
]

CLASSIFIER_METRICS = ("accuracy", "f1", "roc_auc")
REGRESSOR_METRICS = ("mae", "rmse", "r2")
METRICS = CLASSIFIER_METRICS + REGRESSOR_METRICS
DRIFT_KEYS = ("share", "thresholds", "prediction")
ON_ALERT_ACTIONS = ("retrain", "pipeline")
DEFAULT_DRIFT: Mapping[str, Any] = MappingProxyType({"share": 0.3})
DEFAULT_REFERENCE = "train@latest"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")
_ON_ALERT = re.compile(r"^(retrain|pipeline):([A-Za-z0-9][A-Za-z0-9_.\-/@]{0,199})$")


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidArgument(
            "name", "a monitor name (letters, digits, '_', '.', '-'; 200 at most)", name
        )
    return name


def _check_drift(drift: Any) -> dict[str, Any]:
    from ..data.drift import drift_limits

    if drift is None:
        return {"share": None}
    if not isinstance(drift, Mapping):
        raise InvalidArgument("drift", "a mapping such as {'share': 0.3}", drift)
    unknown = sorted(set(drift) - set(DRIFT_KEYS))
    if unknown:
        raise InvalidArgument("drift", "keys among " + ", ".join(DRIFT_KEYS), unknown)
    share = drift.get("share", 0.3)
    ok = isinstance(share, (int, float)) and not isinstance(share, bool)
    if not (ok and math.isfinite(share) and 0 < share <= 1):
        raise InvalidArgument("drift['share']", "a number in (0, 1]", share)
    out: dict[str, Any] = {"share": float(share)}
    if drift.get("thresholds"):
        out["thresholds"] = _check_thresholds(drift["thresholds"])
        drift_limits(out["thresholds"])  # refuses unknown methods, names the argument
    if "prediction" in drift:
        if not isinstance(drift["prediction"], bool):
            raise InvalidArgument("drift['prediction']", "True or False", drift["prediction"])
        out["prediction"] = drift["prediction"]
    return out


def _check_thresholds(thresholds: Any) -> dict[str, float]:
    argument = "drift['thresholds']"
    if not isinstance(thresholds, Mapping):
        raise InvalidArgument(
            argument, "a mapping of method to number, e.g. {'ks': 0.05}", thresholds
        )
    out = {}
    for method, value in thresholds.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number and math.isfinite(value)):
            raise InvalidArgument(argument, f"a finite number for {method!r}", value)
        out[method] = float(value)
    return out


def check_performance(performance: Any, metrics: tuple[str, ...] = METRICS) -> list[Gate]:
    """The gates of ``performance``, on ``metrics`` only (those the model's kind computes)."""
    gates = parse_gates(performance, "performance")
    for gate in gates:
        if gate.current:
            raise InvalidArgument(
                "performance", "rules against numbers ('current' is for alias moves)", str(gate)
            )
        if gate.metric not in metrics:
            raise InvalidArgument("performance", "metrics among " + ", ".join(metrics), gate.metric)
    return gates


def _metrics_of(model: str) -> tuple[str, ...]:
    """The metrics a check computes for the model's output kind (all of them when unknown)."""
    from ..registry.models import get_model_version

    kind = ((get_model_version(model).signature or {}).get("output") or {}).get("kind")
    if kind == "classification":
        return CLASSIFIER_METRICS
    if kind == "regression":
        return REGRESSOR_METRICS
    return METRICS


def _check_on_alert(on_alert: Any) -> str | None:
    if on_alert is None:
        return None
    if not isinstance(on_alert, str) or not _ON_ALERT.match(on_alert):
        raise InvalidArgument(
            "on_alert", "ACTION:TARGET with ACTION one of retrain, pipeline (e.g. 'retrain:churn')",
            on_alert,
        )  # fmt: skip
    return on_alert


def _check_retrain(action: str | None, evaluation: Any, target: Any, require: Any) -> dict:
    """The retraining terms (stored in the ``retrain`` column); {} without ``evaluation``."""
    from ..data.snapshot import get_snapshot

    if evaluation is None:
        for arg, value in (("target", target), ("require", require)):
            if value is not None:
                raise InvalidArgument(
                    arg, "evaluation=SNAPSHOT too: it applies to retraining", value
                )
        return {}
    if action is None or not action.startswith("retrain:"):
        raise InvalidArgument("evaluation", "on_alert='retrain:PIPELINE' too", evaluation)
    if not isinstance(evaluation, str) or not evaluation.strip():
        raise InvalidArgument(
            "evaluation", "a snapshot reference such as 'holdout@latest'", evaluation
        )
    get_snapshot(evaluation.strip())
    if target is not None and (not isinstance(target, str) or not target):
        raise InvalidArgument("target", "the label column of the evaluation snapshot", target)
    gates = [str(g) for g in parse_gates(require, "require")] if require is not None else None
    return {"evaluation": evaluation.strip(), "target": target, "require": gates}


def _check_targets(model: Any, reference: Any) -> tuple[str, str]:
    """Both must name something that exists now (NotFound names what is missing)."""
    from ..data.snapshot import get_snapshot
    from ..registry.models import get_model_version

    if not isinstance(model, str):
        raise InvalidArgument("model", "a model reference such as 'churn@production'", model)
    parse_ref(model)
    get_model_version(model)
    if not isinstance(reference, str) or not reference:
        raise InvalidArgument("reference", "a snapshot reference such as 'train@latest'", reference)
    get_snapshot(reference)
    return model, reference


def _kept_targets(name: str, model: Any, reference: Any) -> tuple[Any, Any]:
    """An edit that leaves ``model`` or ``reference`` out keeps the monitor's; a new one needs ``model``."""
    from ..errors import NotFound

    if model is not None and reference is not None:
        return model, reference
    try:
        existing = monitor_store.get_monitor(get_store(), name)
    except NotFound:
        if model is None:
            raise InvalidArgument(
                "model", "the model to watch, such as 'churn@production'", None
            ) from None
        return model, DEFAULT_REFERENCE
    return existing.model if model is None else model, (
        existing.reference if reference is None else reference
    )


def monitor(
    name: str,
    model: str | None = None,
    reference: str | None = None,
    drift: Mapping[str, Any] | None = DEFAULT_DRIFT,
    performance: Any = None,
    on_alert: str | None = None,
    *,
    evaluation: str | None = None,
    target: str | None = None,
    require: Any = None,
) -> MonitorInfo:
    """Declare the monitor ``name`` (or update it: same name, new terms; recorded as an event).

    ``model`` is ``name@alias`` (windows served under that alias) or
    ``name/3``; ``reference`` a snapshot the windows are compared with (its
    stored profile; ``@latest`` is resolved at each run; ``train@latest`` by
    default). Editing a monitor, either left out keeps the monitor's own. ``drift``:
    ``{"share": 0.3}`` alerts when at least 30% of the model's input columns
    drifted (``"thresholds"`` per method as in ``mlops.drift``, ``"prediction":
    True`` alerts on prediction drift too); ``None`` never alerts on drift.
    ``performance``: gates such as ``{"accuracy": ">= 0.9"}`` or ``"rmse <
    3"``, checked on windows with labels. ``on_alert``: ``"retrain:PIPELINE"``
    or ``"pipeline:NAME"``. With ``"retrain:PIPELINE"``, ``evaluation`` (a
    snapshot such as ``"holdout@latest"``), ``target`` (its label column) and
    ``require`` (gates, default ``{"accuracy": ">= current"}``) are what a
    retrained model must pass to replace the watched one (``mlops.retrain``).
    """
    name = check_name(name)
    model, reference = _kept_targets(name, model, reference)
    drift_rule = _check_drift(drift)
    gates = check_performance(performance)
    action = _check_on_alert(on_alert)
    retrain = _check_retrain(action, evaluation, target, require)
    model, reference = _check_targets(model, reference)
    check_performance(performance, _metrics_of(model))
    info, _ = monitor_store.save_monitor(
        get_store(),
        name,
        model=model,
        reference=reference,
        drift=drift_rule,
        performance=[str(g) for g in gates],
        on_alert=action,
        retrain=retrain,
    )
    return info


def get_monitor(name: str) -> MonitorInfo:
    return monitor_store.get_monitor(get_store(), check_name(name))


def list_monitors(model: str | None = None) -> list[MonitorInfo]:
    """Every monitor by name; ``model`` keeps those watching that model."""
    if model is not None:
        parse_ref(model)
    return monitor_store.list_monitors(get_store(), model)


def delete_monitor(name: str) -> None:
    """Remove a monitor and its checks (the windows stay; an event records the removal)."""
    monitor_store.delete_monitor(get_store(), check_name(name))
