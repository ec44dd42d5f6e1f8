"""One base exception for the package; every error a user can cause is a subclass."""

from __future__ import annotations


class MlopsError(Exception):
    """Base class of every error jupyter-mlops raises on purpose."""


class InvalidArgument(MlopsError, ValueError):
    """An argument has the wrong type or value; the message names it and what was expected."""

    def __init__(self, argument: str, expected: str, got: object = None, *, hint: str = "") -> None:
        self.argument = argument
        self.expected = expected
        msg = f"{argument}: expected {expected}"
        if got is not None:
            shown = repr(got)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            msg += f", got {shown}"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


class NotFound(MlopsError, LookupError):
    """A run, experiment, artifact, snapshot or model that does not exist."""


class Conflict(MlopsError):
    """The operation contradicts what the store already holds (e.g. a param logged twice)."""


class NoActiveRun(MlopsError):
    """A logging call was made while no run is open."""


class StoreError(MlopsError):
    """The database or blob store failed; the operation was rolled back."""
