"""%mlops registry subcommands: register, promote-model, alias, lineage, models.

(``%mlops promote`` promotes the notebook to a pipeline; promoting a model
version is ``%mlops promote-model``.)
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from .router import subcommand


def _user_value(magics, name: str) -> Any:
    ns = magics.shell.user_ns
    if name not in ns:
        raise UsageError(f"name {name!r} is not defined in the notebook")
    return ns[name]


def _text(words: list[str] | None) -> str | None:
    return " ".join(words) if words else None


@magic_arguments()
@argument("name", help="Model name.")
@argument("variable", nargs="?", help="Variable holding the fitted model (default: model).")
@argument("--run", help="Run id (default: the open run).")
@argument("--artifact", help="Register this artifact of the run instead of a variable.")
@argument("--example", metavar="VARIABLE", help="Input example (e.g. X_test) for the signature.")
@argument("--description", "-d", nargs="+", help="Description of this version.")
@argument(
    "--format", choices=["skops", "joblib", "pickle"], help="Default: skops for scikit-learn."
)
@argument("--trusted", action="store_true", help="Allow joblib/pickle (runs code when loaded).")
def _register_args(line: str) -> None:
    """%mlops register NAME [VARIABLE] [--run R] [--artifact A] [--example X] [-d TEXT] [--trusted]"""


@subcommand("register", "register a fitted model (variable) or a run's artifact as version N+1")
def register(magics, line: str, cell: str | None) -> None:
    args = parse_argstring(_register_args, line)
    model = None
    if args.artifact is None:
        model = _user_value(magics, args.variable or "model")
    elif args.variable:
        raise UsageError("give either a VARIABLE or --artifact, not both")
    example = _user_value(magics, args.example) if args.example else None
    version = mlops.register_model(
        args.name,
        model,
        run=args.run,
        artifact=args.artifact,
        description=_text(args.description),
        input_example=example,
        format=args.format,
        trusted=args.trusted,
    )
    run = f"run {version.run_id[:8]}" if version.run_id else "no run"
    snaps = len(version.input_snapshots)
    print(
        f"registered {version.ref} ({version.format}, {version.model_class.rsplit('.', 1)[-1]}; "
        f"{run}; {snaps} input snapshot{'s' if snaps != 1 else ''})"
    )


@magic_arguments()
@argument("name", help="Model name.")
@argument("version", type=int, help="Candidate version.")
@argument("--to", default="production", help="Alias to move (default: production).")
@argument(
    "--require",
    "-r",
    nargs="+",
    action="append",
    metavar="GATE",
    help="Gates like accuracy>=current f1>=0.8 (quote rules with spaces).",
)
@argument("--force", action="store_true", help="Move even if gates fail (needs --reason).")
@argument("--reason", nargs="+", help="Why; recorded with the move.")
def _promote_args(line: str) -> None:
    """%mlops promote-model NAME VERSION [--to ALIAS] [--require GATE ...] [--force --reason TEXT]"""


@subcommand("promote-model", "move a model alias to a version if its metrics pass the gates")
def promote_model(magics, line: str, cell: str | None):
    from ..cli.models import _parse_require

    args = parse_argstring(_promote_args, line)
    gates = [g for group in args.require or [] for g in group]
    return mlops.promote(
        args.name,
        args.version,
        to=args.to,
        require=_parse_require(tuple(gates)),
        force=args.force,
        reason=_text(args.reason),
    )


@magic_arguments()
@argument("name", help="Model name.")
@argument("alias", help="Alias name, e.g. staging.")
@argument("version", nargs="?", type=int, help="Version to point at.")
@argument("--delete", action="store_true", help="Delete the alias instead.")
@argument("--reason", nargs="+", help="Why; recorded with the move.")
def _alias_args(line: str) -> None:
    """%mlops alias NAME ALIAS VERSION [--reason TEXT] | %mlops alias NAME ALIAS --delete"""


@subcommand("alias", "point a model alias at a version (or --delete it); recorded as an event")
def alias(magics, line: str, cell: str | None) -> None:
    args = parse_argstring(_alias_args, line)
    reason = _text(args.reason)
    if args.delete:
        if args.version is not None:
            raise UsageError("--delete takes no VERSION")
        move = mlops.delete_alias(args.name, args.alias, reason=reason)
        print(f"{args.name}@{args.alias} deleted (was version {move.from_version})")
        return
    if args.version is None:
        raise UsageError("give the VERSION to point the alias at (or --delete)")
    move = mlops.set_alias(args.name, args.alias, args.version, reason=reason)
    prev = move.from_version if move.from_version is not None else "none"
    print(f"{args.name}@{args.alias}: version {prev} -> {args.version}")


@magic_arguments()
@argument("ref", help="NAME@ALIAS, NAME/VERSION or NAME@latest.")
def _lineage_args(line: str) -> None:
    """%mlops lineage REF"""


@subcommand("lineage", "model version -> run -> input snapshots, notebook, cells, git commit")
def lineage(magics, line: str, cell: str | None):
    return mlops.lineage(parse_argstring(_lineage_args, line).ref)


@magic_arguments()
@argument("name", nargs="?", help="A model: list its versions instead.")
def _models_args(line: str) -> None:
    """%mlops models [NAME]"""


@subcommand("models", "registered models, or the versions of one")
def models(magics, line: str, cell: str | None):
    args = parse_argstring(_models_args, line)
    if args.name is None:
        return mlops.list_models()
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "version": v.version,
                "aliases": ", ".join(v.aliases),
                "run_id": v.run_id,
                "format": v.format,
                "model_class": v.model_class,
                "description": v.description,
            }
            for v in mlops.list_versions(args.name)
        ]
    )
