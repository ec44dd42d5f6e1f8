"""MLflow tracking routes (filled in next)."""

from __future__ import annotations

ROUTES: list[tuple[str, type]] = []
