"""%mlops data subcommands: snapshot, validate, drift (text/HTML report)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from .router import argument, notebook_value, subcommand


def _side(magics: Any, token: str) -> Any:
    """``name@version`` is a snapshot reference; a notebook variable if one is defined; else a ref."""
    if "@" in token:
        return token
    return notebook_value(magics, token, "REF", default=token)


@subcommand(
    "snapshot", "store a frame as a versioned data snapshot: %mlops snapshot VAR [--name N]"
)
@argument("variable", help="the DataFrame, Series or Arrow table to snapshot (NAME or NAME.ATTR)")
@argument("--name", "-n", help="snapshot name (default: the variable name)")
@argument("--description", "-d", nargs="+", help="free text stored with the snapshot")
@argument("--no-run", action="store_true", help="do not record it as an input of the active run")
def snapshot_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    if not args.name and not args.variable.isidentifier():
        raise UsageError("give a --name when snapshotting an attribute (NAME.ATTR)")
    value = notebook_value(magics, args.variable, "VARIABLE")
    description = " ".join(args.description) if args.description else None
    run = False if args.no_run else None
    return mlops.snapshot(value, args.name or args.variable, run=run, description=description)


@subcommand(
    "validate", "check a frame against a snapshot's expectations: %mlops validate VAR --against REF"
)
@argument("variable", help="the frame to check")
@argument("--against", "-a", required=True, help="snapshot reference, e.g. train@latest")
def validate_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    return mlops.validate(notebook_value(magics, args.variable, "VARIABLE"), against=args.against)


@subcommand("drift", "drift report (text/HTML): %mlops drift REF CUR (snapshot refs or variables)")
@argument("reference", help="snapshot reference (train@1) or a notebook variable")
@argument("current", help="snapshot reference or a notebook variable")
@argument("--column", "-c", action="append", help="only this column (repeatable)")
@argument("--widget", "-w", action="store_true", help="the interactive view (ipywidgets + plotly)")
@argument("--missing", choices=["ignore", "drift"], default="ignore", help="reference-only columns")
@argument("--fail-on", choices=["dataset", "column"], default="dataset", help="failing checks")
def drift_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    reference, current = _side(magics, args.reference), _side(magics, args.current)
    if args.widget:
        from .views import drift_view

        return drift_view(reference, current, args.column)
    return mlops.drift(
        reference, current, columns=args.column, missing=args.missing, fail_on=args.fail_on
    )


@subcommand("snapshots", "list stored data snapshots: %mlops snapshots [NAME] [--latest]")
@argument("name", nargs="?", help="only versions of this name")
@argument("--latest", action="store_true", help="only the newest version of each name")
def snapshots_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    import pandas as pd

    infos = mlops.list_snapshots(args.name, all_versions=not args.latest)
    cols = ["ref", "id", "n_rows", "n_columns", "fingerprint", "created_at", "user", "description"]
    frame = pd.DataFrame([i.to_dict() for i in infos], columns=cols)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s")
    return frame
