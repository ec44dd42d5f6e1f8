"""``%mlops promote``: promote the notebook this kernel runs to a pipeline."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from ..tracking.capture import capture_source
from .router import argument, subcommand


def _current_notebook() -> Path:
    kind, path = capture_source()
    if kind != "notebook" or not path:
        raise UsageError("cannot tell which notebook this is; pass --notebook PATH")
    found = Path(path)
    if not found.is_file() and (Path.cwd() / found.name).is_file():
        found = Path.cwd() / found.name
    return found


@subcommand("promote", "promote this notebook (as saved) to a pipeline in pipelines/NAME/")
@argument("--name", "-n", required=True, help="Pipeline name (a folder under pipelines/).")
@argument(
    "--gate",
    action="append",
    default=[],
    help="A gate on the run's metrics, e.g. 'accuracy >= 0.9' (repeatable; ';' separates several).",
)
@argument(
    "--run", help="The origin run (default: the active run, else the newest of this notebook)."
)
@argument("--notebook", help="The notebook file (default: this notebook, as last saved).")
def promote(magics, args, cell: str | None) -> None:
    notebook = Path(args.notebook) if args.notebook else _current_notebook()
    run = args.run
    if run is None:
        from ..tracking import active_run

        current = active_run()
        run = current.id if current is not None else None
    print(mlops.promote_notebook(notebook, args.name, run=run, gates=args.gate))
