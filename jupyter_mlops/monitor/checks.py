"""``run_monitor``: every window closed since a monitor's last check, checked and recorded.

Per window: data drift of each of the model's input columns against the
reference snapshot (its stored profile against the window's: no rows read),
prediction drift (the prediction column against the reference's
``prediction`` column when it has one, else against the monitor's first
window) and, where labels exist, scikit-learn's metrics over the labelled
rows only (the one place rows are read). A window alerts when its drift share
reaches the monitor's or a performance gate fails; each check is one row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import MlopsError, NotFound
from ..store import get_store
from ..store import monitors as monitor_store
from ..store.monitors import CheckInfo, MonitorInfo
from .monitors import check_name, check_performance

if TYPE_CHECKING:
    from ..data.profile import TableProfile
    from ..registry.gate_rules import Gate
    from ..store.monitoring import WindowInfo

__all__ = ["MonitorRun", "run_monitor"]

ROC_AUC_NOTE = "roc_auc not computed: the log keeps predicted classes, not probabilities"


@dataclass(frozen=True)
class MonitorRun:
    """What one run of one monitor checked: its new checks and why it alerted, if it did."""

    monitor: str
    model: str
    checks: list[CheckInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retraining: Any = None  # the RetrainResult of on_alert="retrain:...", when it ran

    @property
    def alerted(self) -> bool:
        return any(c.alert for c in self.checks)

    @property
    def alerts(self) -> list[CheckInfo]:
        return [c for c in self.checks if c.alert]

    def to_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "model": self.model,
            "alerted": self.alerted,
            "checks": [c.to_dict() for c in self.checks],
            "notes": list(self.notes),
            "retraining": None if self.retraining is None else self.retraining.to_dict(),
        }

    def summary(self) -> str:
        head = f"monitor {self.monitor} ({self.model}): {len(self.checks)} windows checked"
        head += f", {len(self.alerts)} alerting" if self.alerted else ", no alert"
        lines = [head] + [f"  {n}" for n in self.notes]
        for c in self.alerts:
            lines += [f"  ALERT window {c.window_id}: {r}" for r in c.statistics.get("reasons", [])]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


@dataclass
class _Terms:
    """What every window of one run is checked against."""

    info: MonitorInfo
    gates: list[Gate]
    reference: TableProfile | None
    reference_label: str
    baseline: TableProfile | None
    baseline_label: str
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)


def _plain(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x.item() if hasattr(x, "item") else x


def _signature(terms: _Terms, window: WindowInfo) -> dict[str, Any]:
    from ..store import models as model_store

    if window.version not in terms.versions:
        try:
            v = model_store.get_version(get_store(), window.model, version=window.version)
            terms.versions[window.version] = v.signature or {}
        except NotFound:
            terms.versions[window.version] = {}
    return terms.versions[window.version]


def _compare(name: str, ref: TableProfile, cur: TableProfile, thresholds: dict) -> dict[str, Any]:
    from ..data.drift import THRESHOLDS, compare_column

    row = compare_column(
        name,
        ref.columns[name],
        cur.columns[name],
        thresholds={**THRESHOLDS, **thresholds},
        ref_type=ref.types.get(name, ""),
        cur_type=cur.types.get(name, ""),
    )
    keys = ("method", "statistic", "threshold", "drifted", "note")
    return {k: _plain(row[k]) for k in keys}


def _data_drift(terms: _Terms, window: WindowInfo, profile: TableProfile) -> dict[str, Any]:
    inputs = [c["name"] for c in (_signature(terms, window).get("inputs") or [])]
    inputs = inputs or list(window.columns[:-1])
    out: dict[str, Any] = {"columns": {}, "reference_missing": [], "window_missing": []}
    if terms.reference is None:
        return out
    thresholds = terms.info.drift.get("thresholds") or {}
    for name in inputs:
        if name not in terms.reference.columns:
            out["reference_missing"].append(name)
        elif name not in profile.columns:
            out["window_missing"].append(name)
        else:
            out["columns"][name] = _compare(name, terms.reference, profile, thresholds)
    counted = [c for c in out["columns"].values() if c["method"] != "skipped"]
    drifted = [n for n, c in out["columns"].items() if c["drifted"]]
    out["drifted"] = drifted
    out["compared"] = len(counted)
    out["share"] = len(drifted) / len(counted) if counted else None
    return out


def _prediction_drift(terms: _Terms, window: WindowInfo, profile: TableProfile) -> Any:
    column = window.columns[-1]
    base = terms.baseline
    base_column = "prediction" if terms.baseline_label != "window" else column
    if base is None or base_column not in base.columns or column not in profile.columns:
        return None
    from ..data.drift import compare_column

    row = compare_column(column, base.columns[base_column], profile.columns[column])
    keys = ("method", "statistic", "threshold", "drifted", "note")
    return {"against": terms.baseline_label, **{k: _plain(row[k]) for k in keys}}


def _performance(window: WindowInfo, signature: dict[str, Any]) -> tuple[dict, list[str]]:
    """sklearn's metrics over the window's labelled rows ({} when the kind is unknown)."""
    from .windows import load_window

    output = signature.get("output") or {}
    kind, classes = output.get("kind"), list(output.get("classes") or ())
    if kind not in ("classification", "regression"):
        return {}, ["performance not computed: the model's output kind is unknown"]
    frame = load_window(window, labels=True, inputs=False)
    label = frame.attrs["label_column"]
    frame = frame[frame[label].notna()]
    y_true, y_pred = list(frame[label]), [_plain(p) for p in frame[window.columns[-1]]]
    metrics: dict[str, float] = {}
    notes: list[str] = []
    from sklearn import metrics as skm

    if kind == "regression":
        y_true = [float(v) for v in y_true]
        metrics["mae"] = float(skm.mean_absolute_error(y_true, y_pred))
        metrics["rmse"] = math.sqrt(float(skm.mean_squared_error(y_true, y_pred)))
        if len(y_true) >= 2:
            metrics["r2"] = float(skm.r2_score(y_true, y_pred))
        else:
            notes.append("r2 not computed: fewer than 2 labelled rows")
        return metrics, notes
    metrics["accuracy"] = float(skm.accuracy_score(y_true, y_pred))
    if len(classes) == 2:
        metrics["f1"] = float(skm.f1_score(y_true, y_pred, pos_label=classes[1], zero_division=0))
    else:
        metrics["f1"] = float(skm.f1_score(y_true, y_pred, average="macro", zero_division=0))
    notes.append(ROC_AUC_NOTE)
    return metrics, notes


def _gates(gates: list[Gate], metrics: dict[str, float], notes: list[str]) -> list[dict]:
    out = []
    for gate in gates:
        if gate.metric not in metrics:
            notes.append(f"gate {gate} not checked: {gate.metric} not computed")
            continue
        passed, observed = gate.check(metrics)
        out.append({"gate": str(gate), "passed": bool(passed), "observed": _plain(observed)})
    return out


def _reasons(terms: _Terms, stats: dict[str, Any]) -> list[str]:
    from ..data.drift_report import pct

    reasons = []
    share, rule = stats["data"].get("share"), terms.info.drift.get("share")
    if rule is not None and share is not None and share >= rule:
        n, m = len(stats["data"]["drifted"]), stats["data"]["compared"]
        reasons.append(
            f"{n} of {m} input columns drifted ({pct(share)}); the monitor alerts at {pct(rule)}"
            f": {', '.join(stats['data']['drifted'])}"
        )
    pred = stats.get("prediction")
    if terms.info.drift.get("prediction") and pred and pred["drifted"]:
        reasons.append(f"predictions drifted against the {pred['against']}")
    reasons += [
        f"{g['gate']} failed (observed {g['observed']:.4g})"
        for g in stats["gates"]
        if not g["passed"]
    ]
    return reasons


def check_window(terms: _Terms, window: WindowInfo) -> dict[str, Any]:
    """The check row of one window (what ``store.monitors.record_checks`` inserts)."""
    from .windows import window_profile

    profile = window_profile(window)
    notes: list[str] = []
    data = _data_drift(terms, window, profile)
    if data["reference_missing"]:
        notes.append(
            f"reference {terms.reference_label} lacks columns the model takes (not compared): "
            + ", ".join(data["reference_missing"])
        )
    if data["window_missing"]:
        notes.append(
            "window lacks input columns (not compared): " + ", ".join(data["window_missing"])
        )
    metrics: dict[str, float] = {}
    if window.n_labels:
        metrics, more = _performance(window, _signature(terms, window))
        notes += more
    stats = {
        "version": window.version,
        "data": data,
        "prediction": _prediction_drift(terms, window, profile),
        "performance": metrics,
        "gates": _gates(terms.gates, metrics, notes) if window.n_labels else [],
        "notes": notes,
    }
    stats["reasons"] = _reasons(terms, stats)
    alert = bool(stats["reasons"])
    return {
        "window_id": window.id,
        "closed_at": window.closed_at,
        "n_rows": window.n_rows,
        "n_labels": window.n_labels,
        "drift_share": data.get("share"),
        "alert": alert,
        "verdict": "alert" if alert else "ok",
        "statistics": stats,
    }


def _terms(info: MonitorInfo, first: WindowInfo, notes: list[str]) -> _Terms:
    from ..data.snapshot import get_profile, get_snapshot
    from .windows import window_profile

    reference, label = None, info.reference
    try:
        snap = get_snapshot(info.reference)
        reference, label = get_profile(snap), snap.ref
    except NotFound as exc:
        notes.append(f"no data drift: reference {info.reference!r} not found ({exc})")
    if reference is not None and "prediction" in reference.columns:
        baseline, baseline_label = reference, f"reference {label}"
    else:
        baseline_id = info.baseline_window or first.id
        baseline, baseline_label = window_profile(baseline_id), "window"
        if baseline_id == first.id and info.baseline_window is None:
            notes.append(f"prediction drift against the first window {first.id}")
    terms = _Terms(info, check_performance(list(info.performance)), reference, label,
                   baseline, baseline_label)  # fmt: skip
    return terms


def _to_check(info: MonitorInfo) -> list[WindowInfo]:
    """Windows closed since the last check, and those written since that closed before it."""
    from ..registry.uri import parse_ref
    from .windows import get_window, list_windows

    windows = list_windows(info.model, since=info.last_closed_at)
    if info.last_closed_at is None:
        return windows
    ref = parse_ref(info.model)
    late = monitor_store.unchecked_windows(
        get_store(), info.name, ref.name, info.last_closed_at,
        alias=ref.alias if ref.alias not in (None, "latest") else None, version=ref.version,
    )  # fmt: skip
    return [get_window(i) for i in late] + windows


def _run_one(name: str, retrain: bool = True) -> MonitorRun:
    from .windows import list_windows

    store = get_store()
    info = monitor_store.get_monitor(store, name)
    windows = _to_check(info)
    notes: list[str] = []
    if not windows:
        ever = info.last_closed_at is not None or bool(list_windows(info.model, limit=1))
        notes.append(
            "no windows closed since the last check"
            if ever
            else f"no closed windows of {info.model} yet: nothing to check"
        )
        monitor_store.record_checks(store, name, [], baseline_window=None)
        return MonitorRun(name, info.model, [], notes)
    terms = _terms(info, windows[0], notes)
    rows = [check_window(terms, w) for w in windows]
    checks = monitor_store.record_checks(store, name, rows, baseline_window=windows[0].id)
    done = None
    if retrain and any(c.alert for c in checks) and (info.on_alert or "").startswith("retrain:"):
        from .retrain import retrain as retrain_now

        try:
            done = retrain_now(info.on_alert.split(":", 1)[1], name)
            notes.append(done.summary())
        except MlopsError as exc:  # recorded as retrain.failed; the checks stand
            notes.append(f"retraining failed: {exc}")
    return MonitorRun(name, info.model, checks, notes, done)


def run_monitor(name: str | None = None, *, retrain: bool = True) -> MonitorRun | list[MonitorRun]:
    """Check the windows closed since the last check: one monitor's run, or every monitor's.

    A monitor with ``on_alert="retrain:PIPELINE"`` that alerts then retrains
    (``mlops.retrain``; ``retrain=False`` only checks).
    """
    if name is not None:
        return _run_one(check_name(name), retrain)
    return [_run_one(m.name, retrain) for m in monitor_store.list_monitors(get_store())]
