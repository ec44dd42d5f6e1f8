"""The ``%mlops`` router: each subcommand is a plain function with its own parser.

A subcommand module declares a function with ``@subcommand(name, help)`` over
``@argument(...)`` lines (argparse's ``add_argument`` arguments). The router
splits the line once, the way a POSIX shell does (quotes group words and are
removed; backslashes are kept as typed, so Windows paths work), parses it with
the subcommand's parser and calls ``func(magics, args, cell)``, where ``cell``
is the cell body (None for ``%mlops``). The same parser makes ``%mlops help
NAME``, so help always shows every option.

IPython expands ``$var`` and ``{var}`` in the line before it reaches us.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from ..errors import MlopsError
from ..text_args import Word, split_line


def quoting(word: str) -> tuple[str, bool]:
    """An argparse ``type=``: keep whether the word was quoted, as ``(text, quoted)``."""
    return str(word), getattr(word, "quoted", False)


def _plain(value: Any) -> Any:
    """Words become plain ``str`` before they reach the core (yaml, json, ``type() is str``)."""
    if isinstance(value, Word):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _HelpShown(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An argparse parser that reports mistakes as one-line UsageErrors instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if status == 0:
            raise _HelpShown
        raise UsageError((message or "invalid arguments").strip())


@dataclass(frozen=True)
class Subcommand:
    name: str
    func: Callable[..., Any]
    help: str
    cell: bool  # True when it accepts (or needs) a cell body: %%mlops NAME
    parser: argparse.ArgumentParser

    @property
    def prefix(self) -> str:
        return f"%%mlops {self.name}" if self.cell else f"%mlops {self.name}"

    def format_help(self) -> str:
        return f"{self.prefix}: {self.help}\n\n{self.parser.format_help()}"


SUBCOMMANDS: dict[str, Subcommand] = {}


def argument(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One ``add_argument(*args, **kwargs)`` of the subcommand below; in source order."""

    if "help" in kwargs:  # argparse %-formats help texts
        kwargs = {**kwargs, "help": kwargs["help"].replace("%", "%%")}

    def add(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__dict__.setdefault("_mlops_arguments", []).insert(0, (args, kwargs))
        return func

    return add


def subcommand(
    name: str, help: str, *, cell: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func(magics, args, cell)`` as ``%mlops NAME``, with a parser of its arguments.

    The function's docstring, if any, is shown under the options by ``%mlops help NAME``.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        parser = _Parser(
            prog=f"%%mlops {name}" if cell else f"%mlops {name}",
            epilog=inspect.cleandoc(func.__doc__) if func.__doc__ else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for args, kwargs in func.__dict__.get("_mlops_arguments", []):
            parser.add_argument(*args, **kwargs)
        SUBCOMMANDS[name] = Subcommand(name, func, help, cell, parser)
        return func

    return register


def dispatch(magics: Any, line: str, cell: str | None = None) -> Any:
    """Route ``%mlops NAME ...`` to its subcommand; errors a user can cause become one line.

    A core ``MlopsError`` is shown as IPython's one-line ``UsageError`` naming
    the subcommand. An exception raised by the user's own code (``%%mlops run``
    re-raises it) is marked with ``__mlops_user_code__`` and passes through untouched.
    """
    __tracebackhide__ = True
    name = line.split(maxsplit=1)[0] if line.strip() else "help"
    sub = _find(name, cell)
    try:
        words = split_line(line)[1:]
        args = sub.parser.parse_args(words)
        for key, value in vars(args).items():
            setattr(args, key, _plain(value))
        return sub.func(magics, args, cell)
    except _HelpShown:
        return None
    except (UsageError, MlopsError) as exc:
        if getattr(exc, "__mlops_user_code__", False):
            raise
        raise UsageError(f"{sub.prefix}: {exc}") from None


def _find(name: str, cell: str | None) -> Subcommand:
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
        hint = f"did you mean %mlops {close[0]}? " if close else ""
        raise UsageError(f"unknown %mlops subcommand {name!r}; {hint}try: %mlops help")
    if cell is not None and not sub.cell:
        raise UsageError(
            f"%%mlops {name} does not take a cell body; use the line magic %mlops {name}"
        )
    return sub


_NOT_FOUND = object()


def notebook_value(magics: Any, ref: str, argument: str, default: Any = _NOT_FOUND) -> Any:
    """The notebook variable ``ref`` (``name`` or ``name.attr.attr``), looked up, never evaluated.

    Without ``default`` a missing name is a UsageError naming ``argument``.
    """
    parts = ref.split(".")
    if not all(part.isidentifier() for part in parts):
        if default is not _NOT_FOUND:
            return default
        raise UsageError(f"{argument}: expected a variable name or NAME.ATTRIBUTE, got {ref!r}")
    value = magics.shell.user_ns.get(parts[0], _NOT_FOUND)
    for part in parts[1:]:
        if value is _NOT_FOUND:
            break
        value = getattr(value, part, _NOT_FOUND)
    if value is _NOT_FOUND:
        if default is not _NOT_FOUND:
            return default
        raise UsageError(
            f"{argument}: name {ref!r} is not defined: no variable of that name in the notebook"
        )
    return value
