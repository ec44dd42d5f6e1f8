"""Pipeline tables: promoted pipelines and the cache of their successful runs."""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base


class Pipeline(Base):
    """A promoted notebook: where its folder is and what it was promoted from."""

    __tablename__ = "pipelines"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    notebook_digest: Mapped[str] = mapped_column(String(64))
    origin_run_id: Mapped[str | None] = mapped_column(
        ForeignKey("runs.run_id", ondelete="SET NULL"), nullable=True
    )
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class PipelineCache(Base):
    """A successful run, keyed by the hash of notebook + parameters + input fingerprints."""

    __tablename__ = "pipeline_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline: Mapped[str] = mapped_column(String(100))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    created_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_pipeline_cache_pipeline", "pipeline"),)
