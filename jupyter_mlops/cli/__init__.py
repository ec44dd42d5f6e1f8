"""``jupyter mlops ...`` (the ``jupyter-mlops`` executable).

Each command parses its arguments and calls one core function. Exit codes:
0 success; 1 a check failed (drift found, violations, a failed gate or
pipeline); 2 bad input or an error the user can fix (the message says how).
"""

from __future__ import annotations

import sys

import click

from ..errors import MlopsError
from . import data, models, pipeline, runs


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MlopsError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyter-mlops")
def main() -> None:
    """Jupyter-native MLOps: runs, data snapshots, models, drift and pipelines."""


for _module in (runs, data, models, pipeline):
    _module.register(main)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
