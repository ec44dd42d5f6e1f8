"""%mlops data subcommands: snapshot, validate, drift (text/HTML report)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from .router import subcommand


def _value(magics: Any, expr: str, what: str) -> Any:
    """A notebook variable (or expression) by name; snapshot refs stay strings."""
    ns = magics.shell.user_ns
    if expr in ns:
        return ns[expr]
    try:
        return magics.shell.ev(expr)
    except Exception as exc:
        raise UsageError(
            f"{what}: no variable or expression {expr!r} in the notebook ({exc})"
        ) from None


def _side(magics: Any, token: str) -> Any:
    """``name@version`` is a snapshot reference; anything else a notebook variable."""
    if "@" in token:
        return token
    ns = magics.shell.user_ns
    return ns.get(token, token)


@subcommand(
    "snapshot", "store a frame as a versioned data snapshot: %mlops snapshot VAR [--name N]"
)
@magic_arguments()
@argument("variable", help="the DataFrame, Series or Arrow table to snapshot")
@argument("--name", "-n", help="snapshot name (default: the variable name)")
@argument("--description", "-d", nargs="+", help="free text stored with the snapshot")
@argument("--no-run", action="store_true", help="do not record it as an input of the active run")
def snapshot_cmd(magics: Any, line: str, cell: str | None) -> Any:
    args = parse_argstring(snapshot_cmd, line)
    name = args.name or args.variable
    if not args.name and not args.variable.isidentifier():
        raise UsageError("give a --name when snapshotting an expression")
    value = _value(magics, args.variable, "snapshot")
    description = " ".join(args.description) if args.description else None
    return mlops.snapshot(value, name, run=False if args.no_run else None, description=description)


@subcommand(
    "validate", "check a frame against a snapshot's expectations: %mlops validate VAR --against REF"
)
@magic_arguments()
@argument("variable", help="the frame to check")
@argument("--against", "-a", required=True, help="snapshot reference, e.g. train@latest")
def validate_cmd(magics: Any, line: str, cell: str | None) -> Any:
    args = parse_argstring(validate_cmd, line)
    return mlops.validate(_value(magics, args.variable, "validate"), against=args.against)


@subcommand("drift", "drift report (text/HTML): %mlops drift REF CUR (snapshot refs or variables)")
@magic_arguments()
@argument("reference", help="snapshot reference (train@1) or a notebook variable")
@argument("current", help="snapshot reference or a notebook variable")
@argument("--column", "-c", action="append", help="only this column (repeatable)")
@argument("--widget", "-w", action="store_true", help="the interactive view (ipywidgets + plotly)")
@argument("--missing", choices=["ignore", "drift"], default="ignore", help="reference-only columns")
@argument("--fail-on", choices=["dataset", "column"], default="dataset", help="failing checks")
def drift_cmd(magics: Any, line: str, cell: str | None) -> Any:
    args = parse_argstring(drift_cmd, line)
    if args.widget:
        from .views import drift_view

        return drift_view(_side(magics, args.reference), _side(magics, args.current), args.column)
    return mlops.drift(
        _side(magics, args.reference),
        _side(magics, args.current),
        columns=args.column,
        missing=args.missing,
        fail_on=args.fail_on,
    )


@subcommand("snapshots", "list stored data snapshots: %mlops snapshots [NAME] [--latest]")
@magic_arguments()
@argument("name", nargs="?", help="only versions of this name")
@argument("--latest", action="store_true", help="only the newest version of each name")
def snapshots_cmd(magics: Any, line: str, cell: str | None) -> Any:
    import pandas as pd

    args = parse_argstring(snapshots_cmd, line)
    infos = mlops.list_snapshots(args.name, all_versions=not args.latest)
    cols = ["ref", "id", "n_rows", "n_columns", "fingerprint", "created_at", "user", "description"]
    frame = pd.DataFrame([i.to_dict() for i in infos], columns=cols)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s")
    return frame
