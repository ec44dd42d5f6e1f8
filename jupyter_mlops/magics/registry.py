"""%mlops registry subcommands (register, ...)."""

from __future__ import annotations

from .router import subcommand  # noqa: F401
