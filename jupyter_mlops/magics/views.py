"""%mlops views: ``registry`` here; ``runs --widget`` and ``drift --widget`` call in here.

Each returns an ipywidgets view from ``jupyter_mlops.widgets`` (imported on
first use, so plain ``%mlops`` commands never load ipywidgets or plotly).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from IPython.core.error import UsageError

from .router import argument, subcommand


def runs_view(experiments: Sequence[str] | None, filter: str | None, page_size: int) -> Any:
    """``%mlops runs --widget``: the runs view over at most one experiment."""
    from .. import widgets

    if experiments and len(experiments) > 1:
        raise UsageError("--widget shows one --experiment at a time (or all)")
    return widgets.runs(experiments[0] if experiments else None, filter, page_size=page_size)


def drift_view(reference: Any, current: Any, columns: Sequence[str] | None) -> Any:
    """``%mlops drift REF CUR --widget``: the drift view."""
    from .. import widgets

    return widgets.drift(reference, current, columns=columns)


@subcommand("registry", "the model registry view: versions, metrics, aliases, lineage, alias moves")
@argument("name", nargs="?", help="Model name (default: the first registered model).")
@argument(
    "--require",
    "-r",
    action="append",
    help="Gates alias moves must pass (repeatable; ';' separates several): accuracy>=current",
)
def registry(magics: Any, args: Any, cell: str | None) -> Any:
    from .. import registry as core
    from .. import widgets

    return widgets.registry(args.name, require=core.parse_gates(args.require, "--require"))
