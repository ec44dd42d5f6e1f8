"""Monitoring tables: windows of the inference log, the prediction ids each holds, late labels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base


class InferenceWindow(Base):
    """A closed window of served (or batch-scored) rows: its Parquet rows and their profile.

    Written in one transaction after both blobs exist, so a window is either whole or absent.
    ``n_dropped`` counts rows of this model that did not fit in the queue or could
    not be written since the previous window.
    """

    __tablename__ = "inference_windows"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(ForeignKey("registered_models.name", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    alias: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[float] = mapped_column(Float)
    closed_at: Mapped[float] = mapped_column(Float)
    n_rows: Mapped[int] = mapped_column(BigInteger)
    n_dropped: Mapped[int] = mapped_column(BigInteger)
    sample_rate: Mapped[float] = mapped_column(Float)
    data_digest: Mapped[str] = mapped_column(String(64))
    profile_digest: Mapped[str] = mapped_column(String(64))
    columns: Mapped[list] = mapped_column(JSON, default=list)
    # A batch window's input rows are rows [rows_offset, rows_offset + n_rows) of the
    # input snapshot; its own blob then holds only the prediction, id and timestamp.
    rows_snapshot: Mapped[int | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="RESTRICT"), nullable=True
    )
    rows_offset: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_inference_windows_model_closed", "model", "closed_at"),)


class InferenceIdRange(Base):
    """Ids ``prefix + counter`` for counters in [start, stop) are predictions of one window.

    What labels are joined through (see ``store.prediction_ids``).
    """

    __tablename__ = "inference_id_ranges"
    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    stop: Mapped[int] = mapped_column(BigInteger)
    window_id: Mapped[str] = mapped_column(ForeignKey("inference_windows.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_inference_id_ranges_window", "window_id"),)


class InferenceLabel(Base):
    """The true outcome of one prediction, known later (one per prediction id)."""

    __tablename__ = "inference_labels"
    prediction_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_id: Mapped[str] = mapped_column(ForeignKey("inference_windows.id", ondelete="CASCADE"))
    label: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_inference_labels_window", "window_id"),)
