"""%mlops pipeline subcommands (promote)."""

from __future__ import annotations

from .router import subcommand  # noqa: F401
