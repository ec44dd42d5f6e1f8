"""Data snapshot tables: snapshots (versioned by name), their referenced files, run inputs."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base, BigId


class Snapshot(Base):
    """One version of a named data set: its fingerprint, schema, profile and Parquet blob."""

    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(250))
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    data_digest: Mapped[str] = mapped_column(String(64))
    data_size: Mapped[int] = mapped_column(BigInteger)
    profile_digest: Mapped[str] = mapped_column(String(64))
    schema: Mapped[list] = mapped_column(JSON)
    n_rows: Mapped[int] = mapped_column(BigInteger)
    n_columns: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    user: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    expectations: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # "copy": the data is a Parquet blob (data_digest); "reference": the files in
    # snapshot_files are the data, read back from where they are (source says how).
    storage: Mapped[str] = mapped_column(String(16), default="copy", server_default="copy")
    source: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_snapshots_name_version"),
        Index("ix_snapshots_fingerprint", "fingerprint"),
    )


class SnapshotFile(Base):
    """One file of a snapshot kept by reference, as it was when the snapshot was taken."""

    __tablename__ = "snapshot_files"
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    etag: Mapped[str | None] = mapped_column(String(256), nullable=True)
    mtime: Mapped[float | None] = mapped_column(Float, nullable=True)
    n_rows: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class RunInput(Base):
    """A run read a snapshot (lineage: which data a run, and so a model, came from)."""

    __tablename__ = "run_inputs"
    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(64), default="input")
    created_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_run_inputs_snapshot", "snapshot_id"),)
