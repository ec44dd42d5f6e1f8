"""Model registry tables: models, their versions and the aliases that point at versions."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base


class RegisteredModel(Base):
    """A named model; its versions are numbered 1, 2, ... in registration order."""

    __tablename__ = "registered_models"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class ModelVersion(Base):
    """One immutable version: the serialized model (a blob), where it came from, its signature."""

    __tablename__ = "model_versions"
    model: Mapped[str] = mapped_column(
        ForeignKey("registered_models.name", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))
    run_id: Mapped[str | None] = mapped_column(
        ForeignKey("runs.run_id", ondelete="SET NULL"), nullable=True
    )
    source: Mapped[str] = mapped_column(Text)
    artifact_digest: Mapped[str] = mapped_column(String(64))
    artifact_size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(16))
    model_class: Mapped[str] = mapped_column(String(250))
    signature: Mapped[dict] = mapped_column(JSON, default=dict)
    input_snapshots: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_model_versions_run", "run_id"),)


class ModelAlias(Base):
    """``(model, alias) -> version``: one version per alias; moves are recorded as events."""

    __tablename__ = "model_aliases"
    model: Mapped[str] = mapped_column(
        ForeignKey("registered_models.name", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))

    __table_args__ = (
        ForeignKeyConstraint(
            ["model", "version"],
            ["model_versions.model", "model_versions.version"],
            ondelete="CASCADE",
        ),
    )
