"""The model of a batch scoring, and chunks scored side by side, one thread each.

Models whose ``predict`` runs native code (scikit-learn's trees, linear
algebra) release the GIL, so chunks scored on ``os.cpu_count()`` threads use
every core. Each thread's OpenMP and BLAS pools are held to one thread: a
pool per chunk would pay a fork-join barrier per chunk and, with the other
threads, oversubscribe the cores. Results come back in input order.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..registry.signature import Signature
from ..registry.uri import parse_ref


class ChunkRefused(Exception):
    """A chunk the model cannot score: ``row`` (in the chunk) when one row is to blame."""

    def __init__(self, expected: str, got: str, n_rows: int, row: int | None = None) -> None:
        super().__init__(got)
        self.expected, self.got, self.n_rows, self.row = expected, got, n_rows, row


@dataclass(frozen=True)
class ScoringModel:
    """A registered model version, its signature and (once loaded) the model itself."""

    name: str
    version: int
    alias: str | None
    signature: Signature
    obj: Any = None

    @property
    def order(self) -> list[str]:
        fitted = getattr(self.obj, "feature_names_in_", None)
        if fitted is not None and set(map(str, fitted)) <= set(self.signature.columns or fitted):
            return [str(n) for n in fitted]
        return self.signature.columns

    def score(self, chunk: pa.Table) -> pa.Array:
        import numpy as np

        self._check_missing(chunk)
        order = self.order
        frame = (chunk.select(order) if order else chunk).to_pandas()
        x = frame if self.signature.named else frame.to_numpy()
        try:
            return pa.array(np.asarray(self.obj.predict(x)))
        except (ValueError, TypeError, ArithmeticError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ChunkRefused(
                "rows the model accepts", f"the model refused them: {first}", chunk.num_rows
            ) from None

    def _check_missing(self, chunk: pa.Table) -> None:
        """Missing values in a column the signature says is never missing, as serving refuses them."""
        import pyarrow.compute as pc

        for column in self.signature.inputs or ():
            values = chunk.column(column.name)
            if not column.nullable and values.null_count:
                row = pc.index(values.is_null(), True).as_py()
                raise ChunkRefused(
                    f"a value in every row of column {column.name!r} (not nullable in the "
                    "model's signature)",
                    "a missing value",
                    chunk.num_rows,
                    row,
                )


def resolve_model(model: str) -> ScoringModel:
    from ..registry.models import get_model_version

    ref = parse_ref(model)
    info = get_model_version(model)
    alias = ref.alias if ref.version is None and ref.alias != "latest" else None
    return ScoringModel(info.name, info.version, alias, Signature.from_dict(info.signature))


def _one_native_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # this worker thread's OpenMP team; lives as long as the thread


@contextlib.contextmanager
def _native_pools_of_one(workers: int) -> Iterator[None]:
    if workers == 1:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # BLAS pools are process-wide: restored afterwards
        yield


def scored_chunks(
    model: ScoringModel, chunks: Iterable[pa.Table], workers: int | None = None
) -> Iterator[tuple[pa.Table, pa.Array, float]]:
    """``(chunk, predictions, started_at)`` in input order; ``workers + 1`` chunks in flight at most."""
    workers = workers or os.cpu_count() or 1

    def score(chunk: pa.Table) -> tuple[pa.Array, float]:
        started = time.time()
        return model.score(chunk), started

    with (
        _native_pools_of_one(workers),
        ThreadPoolExecutor(
            workers,
            thread_name_prefix="mlops-batch-score",
            initializer=_one_native_thread if workers > 1 else None,
        ) as pool,
    ):
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.submit(score, chunk)))
            if len(pending) > workers:
                done, future = pending.popleft()
                yield (done, *future.result())
        while pending:
            done, future = pending.popleft()
            yield (done, *future.result())
