"""%mlops run tracking subcommands (start, end, log, param, artifact, status, runs, show, compare, run, autolog)."""

from __future__ import annotations

from .router import subcommand  # noqa: F401
