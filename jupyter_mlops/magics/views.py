"""%mlops widget subcommands (runs --widget, registry, drift)."""

from __future__ import annotations

from .router import subcommand  # noqa: F401
