"""Data snapshot tables: snapshots, run inputs."""

from __future__ import annotations

from .schema import Base  # noqa: F401
