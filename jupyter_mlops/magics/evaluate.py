"""%mlops evaluate / compare: a model scored on a snapshot, champion against challenger."""

from __future__ import annotations

from typing import Any

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from .router import argument, notebook_value, subcommand


def _model(magics: Any, token: str) -> Any:
    """``name@alias`` / ``name/3`` is a registry reference; else a notebook variable if defined."""
    if "@" in token or "/" in token:
        return token
    return notebook_value(magics, token, "MODEL", default=token)


def _data(magics: Any, token: str) -> Any:
    if "@" in token:
        return token
    return notebook_value(magics, token, "--data", default=token)


@subcommand(
    "evaluate",
    "score a model on a snapshot, by slice with intervals: "
    "%mlops evaluate MODEL --data REF --target COL [--slice COL ...]",
)
@argument("model", help="registry reference (churn@production, churn/7) or a notebook variable")
@argument("--data", "-d", default="holdout@latest", help="snapshot reference or a frame variable")
@argument("--target", "-t", required=True, help="the column holding the truth")
@argument("--slice", "-s", action="append", dest="slices", help="slice by this column (repeatable)")
@argument("--n-bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
@argument("--seed", type=int, default=0, help="seed of the resamples and of the importance")
def evaluate_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    return mlops.evaluate(
        _model(magics, args.model),
        _data(magics, args.data),
        args.target,
        args.slices,
        n_bootstrap=args.n_bootstrap,
        seed=args.seed,
    )


@subcommand(
    "compare-models",
    "champion against challenger on the same rows: "
    "%mlops compare-models CHAMPION CHALLENGER --data REF --target COL [--slice COL ...]",
)
@argument("champion", help="registry reference or a notebook variable")
@argument("challenger", help="registry reference or a notebook variable")
@argument("--data", "-d", default="holdout@latest", help="snapshot reference or a frame variable")
@argument("--target", "-t", required=True, help="the column holding the truth")
@argument("--slice", "-s", action="append", dest="slices", help="slice by this column (repeatable)")
@argument("--seed", type=int, default=0, help="seed of the resamples")
def compare_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    return mlops.compare_models(
        _model(magics, args.champion),
        _model(magics, args.challenger),
        _data(magics, args.data),
        args.target,
        args.slices,
        seed=args.seed,
    )
