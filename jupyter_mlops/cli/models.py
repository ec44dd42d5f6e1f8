"""CLI commands for models (added by their feature)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    pass
