"""Declared monitors and their checks.

Public functions take the ``Store`` and open one managed session each; private
helpers take the session. A monitor's declaration, update and removal each
land with an event in the same transaction; a run's checks land together with
the monitor's new high-water mark, so a window is checked once or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from .events import record_event
from .identity import current_user
from .schema_monitor import InferenceWindow
from .schema_monitors import Monitor, MonitorCheck

if TYPE_CHECKING:
    from . import Store


@dataclass(frozen=True)
class MonitorInfo:
    """A declared monitor. ``performance`` holds gate texts (``"accuracy >= 0.9"``)."""

    name: str
    model: str
    reference: str
    drift: dict[str, Any]
    performance: tuple[str, ...]
    on_alert: str | None
    created_at: float
    updated_at: float
    user: str
    last_closed_at: float | None = None
    last_checked_at: float | None = None
    baseline_window: str | None = None
    n_checks: int = 0
    n_alerts: int = 0
    retrain: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        d = asdict(self)
        d["performance"] = list(self.performance)
        return d


@dataclass(frozen=True)
class CheckInfo:
    """One window checked by a monitor."""

    id: int
    monitor: str
    window_id: str
    checked_at: float
    closed_at: float
    n_rows: int
    n_labels: int
    drift_share: float | None
    alert: bool
    verdict: str
    statistics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _info(row: Monitor, counts: tuple[int, int] = (0, 0)) -> MonitorInfo:
    return MonitorInfo(
        row.name,
        row.model,
        row.reference,
        dict(row.drift or {}),
        tuple(row.performance or ()),
        row.on_alert,
        row.created_at,
        row.updated_at,
        row.user,
        row.last_closed_at,
        row.last_checked_at,
        row.baseline_window,
        *counts,
        retrain=dict(row.retrain or {}),
    )


def _check(row: MonitorCheck) -> CheckInfo:
    return CheckInfo(
        row.id,
        row.monitor,
        row.window_id,
        row.checked_at,
        row.closed_at,
        row.n_rows,
        row.n_labels,
        row.drift_share,
        bool(row.alert),
        row.verdict,
        dict(row.statistics or {}),
    )


def _counts(s: Session, names: Sequence[str]) -> dict[str, tuple[int, int]]:
    if not names:
        return {}
    q = (
        select(MonitorCheck.monitor, MonitorCheck.alert, func.count())
        .where(MonitorCheck.monitor.in_(list(names)))
        .group_by(MonitorCheck.monitor, MonitorCheck.alert)
    )
    out: dict[str, list[int]] = {}
    for name, alert, n in s.execute(q):
        c = out.setdefault(name, [0, 0])
        c[0] += n
        if alert:
            c[1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def _model_name(ref: str) -> str:
    return ref.split("@")[0].split("/")[0]


def _row(s: Session, name: str) -> Monitor:
    row = s.get(Monitor, name)
    if row is None:
        raise NotFound(f"no monitor {name!r}: declare it with mlops.monitor({name!r}, model=...)")
    return row


def save_monitor(
    store: Store,
    name: str,
    *,
    model: str,
    reference: str,
    drift: dict[str, Any],
    performance: Sequence[str],
    on_alert: str | None,
    retrain: dict[str, Any] | None = None,
) -> tuple[MonitorInfo, bool]:
    """Declare ``name``, or update it when it exists; (the monitor, whether it was created)."""
    now, user = time.time(), current_user()
    fields = {"model": model, "reference": reference, "drift": dict(drift),
              "performance": list(performance), "on_alert": on_alert,
              "retrain": dict(retrain) if retrain else None}  # fmt: skip
    with store.db.session(write=True) as s:
        row = s.get(Monitor, name)
        created = row is None
        if row is None:
            row = Monitor(name=name, created_at=now, updated_at=now, user=user, **fields)
            s.add(row)
            record_event(s, "monitor.created", "monitor", name, payload=fields, user=user)
        else:
            before = {k: getattr(row, k) for k in fields}
            changed = {k: v for k, v in fields.items() if before[k] != v}
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = now
            if changed.keys() & {"model", "reference"}:  # new terms: start over
                row.last_closed_at = row.baseline_window = None
            payload = {"before": {k: before[k] for k in changed}, "after": changed}
            record_event(s, "monitor.updated", "monitor", name, payload=payload, user=user)
        s.flush()
        return _info(row, _counts(s, [name]).get(name, (0, 0))), created


def get_monitor(store: Store, name: str) -> MonitorInfo:
    with store.db.session() as s:
        row = _row(s, name)
        return _info(row, _counts(s, [name]).get(name, (0, 0)))


def list_monitors(store: Store, model: str | None = None) -> list[MonitorInfo]:
    """Monitors by name; ``model`` keeps those watching that model (any alias or version)."""
    q = select(Monitor).order_by(Monitor.name)
    with store.db.session() as s:
        rows = list(s.scalars(q))
        if model is not None:
            rows = [r for r in rows if _model_name(r.model) == _model_name(model)]
        counts = _counts(s, [r.name for r in rows])
        return [_info(r, counts.get(r.name, (0, 0))) for r in rows]


def delete_monitor(store: Store, name: str) -> None:
    """Remove a monitor and its checks (the event stays)."""
    with store.db.session(write=True) as s:
        row = _row(s, name)
        s.execute(delete(MonitorCheck).where(MonitorCheck.monitor == name))
        s.delete(row)
        record_event(s, "monitor.deleted", "monitor", name, payload={"model": row.model})


def record_checks(
    store: Store,
    name: str,
    checks: Sequence[dict[str, Any]],
    *,
    baseline_window: str | None,
) -> list[CheckInfo]:
    """Insert a run's checks and move the monitor's high-water mark, in one transaction."""
    now = time.time()
    with store.db.session(write=True) as s:
        row = _row(s, name)
        row.last_checked_at = now
        if baseline_window and not row.baseline_window:
            row.baseline_window = baseline_window
        if not checks:
            return []
        rows = [{"monitor": name, "checked_at": now, **c} for c in checks]
        s.execute(insert(MonitorCheck), rows)
        row.last_closed_at = max([c["closed_at"] for c in checks] + [row.last_closed_at or 0.0])
        if any(c["alert"] for c in checks):
            record_event(
                s, "monitor.alert", "monitor", name,
                payload={"windows": [c["window_id"] for c in checks if c["alert"]],
                         "on_alert": row.on_alert},
            )  # fmt: skip
        s.flush()
        q = (
            select(MonitorCheck)
            .where(MonitorCheck.monitor == name, MonitorCheck.checked_at == now)
            .order_by(MonitorCheck.closed_at, MonitorCheck.id)
        )
        return [_check(r) for r in s.scalars(q)]


def unchecked_windows(
    store: Store, name: str, model: str, before: float, *, alias: str | None, version: int | None
) -> list[str]:
    """Ids of ``model``'s windows closed at or before ``before`` that monitor ``name`` never checked.

    A window can close before a monitor's high-water mark and be written after
    the run that moved it (a batch's windows land when the batch ends).
    """
    checked = select(MonitorCheck.id).where(
        MonitorCheck.monitor == name,
        MonitorCheck.closed_at == InferenceWindow.closed_at,
        MonitorCheck.window_id == InferenceWindow.id,
    )
    q = select(InferenceWindow.id).where(
        InferenceWindow.model == model, InferenceWindow.closed_at <= before, ~checked.exists()
    )
    if alias is not None:
        q = q.where(InferenceWindow.alias == alias)
    if version is not None:
        q = q.where(InferenceWindow.version == version)
    with store.db.session() as s:
        return list(s.scalars(q.order_by(InferenceWindow.closed_at, InferenceWindow.id)))


def list_checks(store: Store, name: str, *, limit: int | None = None) -> list[CheckInfo]:
    """A monitor's checks, oldest window first (``limit``: the newest ``limit``)."""
    q = select(MonitorCheck).where(MonitorCheck.monitor == name)
    with store.db.session() as s:
        _row(s, name)
        if limit is not None:
            q = q.order_by(MonitorCheck.closed_at.desc(), MonitorCheck.id.desc()).limit(limit)
            return [_check(r) for r in reversed(list(s.scalars(q)))]
        q = q.order_by(MonitorCheck.closed_at, MonitorCheck.id)
        return [_check(r) for r in s.scalars(q)]


def last_alerts(store: Store, names: Sequence[str]) -> dict[str, CheckInfo]:
    """The newest alerting check of each named monitor that has one."""
    out: dict[str, CheckInfo] = {}
    with store.db.session() as s:
        for name in names:
            q = (
                select(MonitorCheck)
                .where(MonitorCheck.monitor == name, MonitorCheck.alert.is_(True))
                .order_by(MonitorCheck.closed_at.desc(), MonitorCheck.id.desc())
                .limit(1)
            )
            row = s.scalars(q).first()
            if row is not None:
                out[name] = _check(row)
    return out


def record_monitor_event(
    store: Store, name: str, kind: str, *, reason: str | None, payload: dict[str, Any]
) -> None:
    """One event about monitor ``name`` (the retraining loop's steps: ``retrain.*``)."""
    with store.db.session(write=True) as s:
        record_event(s, kind, "monitor", name, reason=reason, payload=payload)
