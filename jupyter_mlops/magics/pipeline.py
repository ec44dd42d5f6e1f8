"""``%mlops promote``: promote the notebook this kernel runs to a pipeline."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from ..errors import MlopsError
from ..tracking.capture import capture_source
from .router import subcommand


def _current_notebook() -> Path:
    kind, path = capture_source()
    if kind != "notebook" or not path:
        raise UsageError("%mlops promote: cannot tell which notebook this is; pass --notebook PATH")
    found = Path(path)
    if not found.is_file() and (Path.cwd() / found.name).is_file():
        found = Path.cwd() / found.name
    return found


@magic_arguments()
@argument("--name", "-n", required=True, help="Pipeline name (a folder under pipelines/).")
@argument("--gate", action="append", default=[], help="e.g. 'accuracy>=0.9' (repeatable).")
@argument(
    "--run", help="The origin run (default: the active run, else the newest of this notebook)."
)
@argument("--notebook", help="The notebook file (default: this notebook, as last saved).")
def _promote_args(line: str) -> None:
    """%mlops promote --name NAME [--gate 'metric>=v'] [--run RUN] [--notebook PATH]"""


@subcommand("promote", "promote this notebook (as saved) to a pipeline in pipelines/NAME/")
def promote(magics, line: str, cell: str | None):
    try:
        args = parse_argstring(_promote_args, line)
    except UsageError:
        raise
    except SystemExit:
        raise UsageError(
            "usage: %mlops promote --name NAME [--gate 'metric>=v'] [--run RUN]"
        ) from None
    notebook = Path(args.notebook) if args.notebook else _current_notebook()
    run = args.run
    if run is None:
        from ..tracking import active_run

        current = active_run()
        run = current.id if current is not None else None
    try:
        result = mlops.promote_notebook(notebook, args.name, run=run, gates=args.gate)
    except MlopsError as exc:
        raise UsageError(f"%mlops promote: {exc}") from None
    print(result)
    return None
