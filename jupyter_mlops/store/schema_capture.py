"""Notebook capture tables (cells executed while a run is open): the magics feature."""

from __future__ import annotations

from .schema import Base  # noqa: F401
