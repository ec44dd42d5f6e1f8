"""What MLflow's API needs beyond the core tables: experiment tags (migration 0010).

An experiment's ``lifecycle`` and ``deleted_at`` columns (also 0010) are on
``schema.Experiment`` itself.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base


class ExperimentTag(Base):
    __tablename__ = "experiment_tags"
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
