"""Writing a batch of metric points when the store refuses some of them.

A batch goes in as one transaction (``metrics.insert_metrics``). When that fails
on the data (a value the driver cannot bind, a constraint), the batch is
bisected until the points that fail on their own are found; those are set
aside and returned, every other point is written. When it fails because the
store itself is unavailable (locked, full, gone), nothing is bisected: the
caller keeps the points and tries again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc

from ..errors import MlopsError, StoreError
from . import metrics

if TYPE_CHECKING:
    from . import Store

# Refusals that belong to a row, not to the store: a bind the driver cannot
# make (OverflowError, TypeError, sqlite3 "Error binding parameter"), a value
# out of a column's range, a constraint. OperationalError (locked, disk full,
# connection lost) is the store's state and is never bisected.
_DRIVER_DATA_ERRORS = (sa_exc.DataError, sa_exc.IntegrityError, sa_exc.ProgrammingError)
_DATA_ERRORS = (OverflowError, TypeError, ValueError, sa_exc.StatementError)
# Single points refused before any was written: past this it is the store, not the data.
GIVE_UP_AFTER = 64


class UnwrittenPoints(StoreError):
    """The store failed part-way; ``rows`` are the points not written (the rest were)."""

    def __init__(self, message: str, rows: list[metrics.MetricRow]) -> None:
        super().__init__(message)
        self.rows = rows


def is_data_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a refusal of some row's content rather than a store fault."""
    if isinstance(exc, StoreError):
        exc = exc.__cause__ or exc
    if isinstance(exc, MlopsError):
        return False
    if isinstance(exc, sa_exc.DBAPIError):
        return isinstance(exc, _DRIVER_DATA_ERRORS)
    return isinstance(exc, _DATA_ERRORS)


def insert_isolating(
    store: Store, rows: Sequence[metrics.MetricRow]
) -> list[tuple[metrics.MetricRow, str]]:
    """Write ``rows``; return the points the store refused, each with the reason.

    Raises the store's error unchanged when the first attempt fails for a reason
    other than data (nothing was written), and ``UnwrittenPoints`` when the store
    fails part-way through a bisection (its ``rows`` still need writing).
    """
    try:
        metrics.insert_metrics(store, rows)
        return []
    except Exception as exc:
        if not is_data_error(exc):
            raise
    rejected: list[tuple[metrics.MetricRow, str]] = []
    pending = [list(rows)]
    written = 0
    while pending:
        chunk = pending.pop()
        try:
            metrics.insert_metrics(store, chunk)
            written += len(chunk)
            continue
        except Exception as exc:
            error = exc
        if not is_data_error(error) or (not written and len(rejected) >= GIVE_UP_AFTER):
            left = chunk + [r for c in pending for r in c] + [r for r, _ in rejected]
            raise UnwrittenPoints(
                f"{len(left)} metric points could not be written: {error}", left
            ) from error
        if len(chunk) == 1:
            rejected.append((chunk[0], f"{type(error).__name__}: {error}"))
        else:
            mid = len(chunk) // 2
            pending += [chunk[mid:], chunk[:mid]]
    return rejected
