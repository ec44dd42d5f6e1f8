"""Evaluation tables: a model scored on a stored snapshot, with its metrics and intervals."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base


class Evaluation(Base):
    """One model (a registered version, or an object known by its hash) on one snapshot.

    ``(model_key, snapshot_id, params_digest)`` is unique: the same model on the
    same rows with the same parameters is evaluated once and then reused. The
    model's scores of every row are a blob (``predictions_digest``) so that a
    champion-challenger comparison pairs stored evaluations without scoring again.
    """

    __tablename__ = "evaluations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model_key: Mapped[str] = mapped_column(String(250))
    model: Mapped[str | None] = mapped_column(
        ForeignKey("registered_models.name", ondelete="CASCADE"), nullable=True
    )
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    snapshot_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("snapshots.id", ondelete="CASCADE")
    )
    params_digest: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(16))
    n_rows: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    predictions_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))

    __table_args__ = (
        UniqueConstraint("model_key", "snapshot_id", "params_digest", name="uq_evaluations_key"),
        Index("ix_evaluations_model", "model", "version"),
        Index("ix_evaluations_snapshot", "snapshot_id"),
    )
