"""Monitor tables: declared monitors and one row per check of a window."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base


class Monitor(Base):
    """A monitor: which model's windows to check, against which snapshot, with which rules.

    ``last_closed_at`` is the close time of the newest window checked, so a run
    checks only windows closed after it; ``baseline_window`` is the first window
    checked, the prediction-drift reference when the snapshot has no predictions.
    ``retrain`` holds the terms of ``on_alert="retrain:..."``: the evaluation
    snapshot, its target column and the promotion gates.
    """

    __tablename__ = "monitors"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    model: Mapped[str] = mapped_column(String(300))
    reference: Mapped[str] = mapped_column(String(300))
    drift: Mapped[dict] = mapped_column(JSON, default=dict)
    performance: Mapped[list] = mapped_column(JSON, default=list)
    on_alert: Mapped[str | None] = mapped_column(String(300), nullable=True)
    retrain: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))
    last_closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_checked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_window: Mapped[str | None] = mapped_column(String(32), nullable=True)


class MonitorCheck(Base):
    """One window checked by one monitor: its statistics and verdict (``ok`` or ``alert``)."""

    __tablename__ = "monitor_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor: Mapped[str] = mapped_column(ForeignKey("monitors.name", ondelete="CASCADE"))
    window_id: Mapped[str] = mapped_column(ForeignKey("inference_windows.id", ondelete="CASCADE"))
    checked_at: Mapped[float] = mapped_column(Float)
    closed_at: Mapped[float] = mapped_column(Float)
    n_rows: Mapped[int] = mapped_column(BigInteger)
    n_labels: Mapped[int] = mapped_column(BigInteger)
    drift_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    alert: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[str] = mapped_column(String(16))
    statistics: Mapped[Any] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_monitor_checks_monitor_closed", "monitor", "closed_at"),)
