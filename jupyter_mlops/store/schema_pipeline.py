"""Pipeline tables: promoted pipelines and their run cache."""

from __future__ import annotations

from .schema import Base  # noqa: F401
