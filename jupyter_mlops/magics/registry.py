"""%mlops registry subcommands: register, promote-model, alias, lineage, models.

(``%mlops promote`` promotes the notebook to a pipeline; promoting a model
version is ``%mlops promote-model``.)
"""

from __future__ import annotations

from IPython.core.error import UsageError

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from .router import argument, notebook_value, subcommand


def _text(words: list[str] | None) -> str | None:
    return " ".join(words) if words else None


@subcommand("register", "register a fitted model (variable) or a run's artifact as version N+1")
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
def register(magics, args, cell: str | None) -> None:
    model = None
    if args.artifact is None:
        model = notebook_value(magics, args.variable or "model", "VARIABLE")
    elif args.variable:
        raise UsageError("give either a VARIABLE or --artifact, not both")
    example = notebook_value(magics, args.example, "--example") if args.example else None
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


@subcommand("promote-model", "move a model alias to a version if its metrics pass the gates")
@argument("name", help="Model name.")
@argument("version", type=int, help="Candidate version.")
@argument("--to", default="production", help="Alias to move (default: production).")
@argument(
    "--require",
    "-r",
    nargs="+",
    action="append",
    metavar="GATE",
    help="Gates like accuracy>=current f1>=0.8 (quote gates with spaces: 'f1 >= 0.8'; "
    "several in one word separated by ';').",
)
@argument("--force", action="store_true", help="Move even if gates fail (needs --reason).")
@argument("--reason", nargs="+", help="Why; recorded with the move.")
@argument(
    "--on",
    metavar="REF",
    help="Evaluate both versions on this snapshot (holdout@latest); gates read the evaluations.",
)
@argument("--target", metavar="COL", help="The label column of --on's snapshot.")
@argument(
    "--tolerance",
    type=float,
    default=0.0,
    help="With --on: how far below current the paired interval may reach (default 0).",
)
def promote_model(magics, args, cell: str | None):
    words = [g for group in args.require or [] for g in group]
    return mlops.promote_model(
        args.name,
        args.version,
        to=args.to,
        require=mlops.parse_gates(words, "--require"),  # the core's parser; names the option
        force=args.force,
        reason=_text(args.reason),
        on=args.on,
        target=args.target,
        tolerance=args.tolerance,
    )


@subcommand("alias", "point a model alias at a version (or --delete it); recorded as an event")
@argument("name", help="Model name.")
@argument("alias", help="Alias name, e.g. staging.")
@argument("version", nargs="?", type=int, help="Version to point at.")
@argument("--delete", action="store_true", help="Delete the alias instead.")
@argument("--reason", nargs="+", help="Why; recorded with the move.")
def alias(magics, args, cell: str | None) -> None:
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


@subcommand("lineage", "model version -> run -> input snapshots, notebook, cells, git commit")
@argument("ref", help="NAME@ALIAS, NAME/VERSION or NAME@latest.")
def lineage(magics, args, cell: str | None):
    return mlops.lineage(args.ref)


@subcommand("models", "registered models, or the versions of one")
@argument("name", nargs="?", help="A model: list its versions instead.")
def models(magics, args, cell: str | None):
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
