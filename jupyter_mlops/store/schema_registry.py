"""Model registry tables: models, versions, aliases."""

from __future__ import annotations

from .schema import Base  # noqa: F401
