"""Notebook capture tables (cells executed while a run is open): the magics feature."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base, BigId


class RunCell(Base):
    """One executed cell of a run, in execution order.

    ``phase`` is ``before`` for cells the kernel ran before the run opened (the
    state the run started from) and ``run`` for cells executed while it was open.
    """

    __tablename__ = "run_cells"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(8))
    execution_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cell_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_run_cells_run_seq", "run_id", "seq", unique=True),)
