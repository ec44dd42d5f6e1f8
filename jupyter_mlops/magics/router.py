"""The ``%mlops`` router: each subcommand is a plain function with its own parser.

A subcommand module registers functions with ``@subcommand(name, help)``. The
function gets ``(magics, line, cell)`` where ``line`` is the rest of the line
after the subcommand name and ``cell`` the cell body (None for ``%mlops``). It
parses ``line`` with IPython's ``magic_arguments`` (``parse_argstring``) and
calls one function of the core.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from ..errors import MlopsError


@dataclass(frozen=True)
class Subcommand:
    name: str
    func: Callable[..., Any]
    help: str
    cell: bool  # True when it accepts (or needs) a cell body: %%mlops NAME


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, help: str, *, cell: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        SUBCOMMANDS[name] = Subcommand(name, func, help, cell)
        return func

    return register


def dispatch(magics: Any, line: str, cell: str | None = None) -> Any:
    """Route ``%mlops NAME ...`` to its subcommand; errors a user can cause become one line.

    A core ``MlopsError`` is shown as IPython's one-line ``UsageError``. An
    exception raised by the user's own code (``%%mlops run`` re-raises it) is
    marked with ``__mlops_user_code__`` and passes through untouched.
    """
    __tracebackhide__ = True
    name, _, rest = line.strip().partition(" ")
    if not name:
        name = "help"
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
        hint = f"did you mean %mlops {close[0]}? " if close else ""
        raise UsageError(f"unknown %mlops subcommand {name!r}; {hint}try: %mlops help")
    if cell is not None and not sub.cell:
        raise UsageError(
            f"%%mlops {name} does not take a cell body; use the line magic %mlops {name}"
        )
    try:
        return sub.func(magics, rest.strip(), cell)
    except MlopsError as exc:
        if getattr(exc, "__mlops_user_code__", False):
            raise
        raise UsageError(f"%mlops {name}: {exc}") from None
