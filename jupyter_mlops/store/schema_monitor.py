"""Monitoring tables: windows of the inference log, the predictions each holds, late labels."""

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

    __table_args__ = (Index("ix_inference_windows_model_closed", "model", "closed_at"),)


class InferencePrediction(Base):
    """Which window holds a prediction id: what labels are joined through."""

    __tablename__ = "inference_predictions"
    prediction_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_id: Mapped[str] = mapped_column(ForeignKey("inference_windows.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_inference_predictions_window", "window_id"),)


class InferenceLabel(Base):
    """The true outcome of one prediction, known later (one per prediction id)."""

    __tablename__ = "inference_labels"
    prediction_id: Mapped[str] = mapped_column(
        ForeignKey("inference_predictions.prediction_id", ondelete="CASCADE"), primary_key=True
    )
    window_id: Mapped[str] = mapped_column(ForeignKey("inference_windows.id", ondelete="CASCADE"))
    label: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_inference_labels_window", "window_id"),)
