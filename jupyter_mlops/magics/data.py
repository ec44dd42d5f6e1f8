"""%mlops data subcommands (snapshot, validate, drift)."""

from __future__ import annotations

from .router import subcommand  # noqa: F401
