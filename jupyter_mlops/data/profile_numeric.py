"""Numeric (and datetime, as epoch seconds) column profiles; see ``profile.py`` for the whole.

Counts, NaN and infinities, mean and ``m2`` (merged with Chan et al.'s
formula), min and max, a KLL quantile sketch, 512 exact quantiles, a
histogram on fixed edges with underflow and overflow bins, and the sorted
values themselves while there are few.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import datasketches
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidArgument
from .frames import DATETIME, NUMERIC, column_kind

KLL_K = 400
HIST_BINS = 20
TAIL = 0.005
EXACT_VALUES = 1000
QUANTILE_GRID = 512  # exact quantiles kept per numeric column (mid-points of 512 equal bands)
GRID_PROBS = (np.arange(QUANTILE_GRID) + 0.5) / QUANTILE_GRID


@dataclass(frozen=True)
class NumericProfile:
    kind: str  # "numeric" or "datetime"
    count: int
    nulls: int
    nan: int
    pos_inf: int
    neg_inf: int
    n: int
    mean: float
    m2: float
    min: float
    max: float
    kll: bytes
    kll_k: int
    edges: tuple[float, ...]
    hist: tuple[int, ...]  # len(edges) + 1 bins: underflow, the bins, overflow
    values: tuple[float, ...] | None = None  # sorted finite values while n <= EXACT_VALUES
    # Exact quantiles at GRID_PROBS, from one sort. Unlike the KLL sketch (randomised
    # compaction) they are the same on every run, so drift statistics are repeatable.
    # None for merged (chunked) profiles, where the sketch answers.
    grid: tuple[float, ...] | None = None

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else float("nan")

    @property
    def missing(self) -> int:
        return self.nulls + self.nan

    def sketch(self) -> datasketches.kll_doubles_sketch:
        if not self.kll:
            raise InvalidArgument(
                "profile",
                "a profile with a KLL sketch (snapshots and windows store one)",
                "a profile made for one comparison only (profile_numeric(sketch=False))",
            )
        return datasketches.kll_doubles_sketch.deserialize(self.kll)

    def quantiles(self, probs: Sequence[float]) -> np.ndarray:
        if self.n == 0:
            return np.full(len(probs), np.nan)
        if self.values is not None:
            return np.quantile(np.asarray(self.values), probs)
        if self.grid is not None:
            return np.interp(np.asarray(probs, dtype=float), GRID_PROBS, np.asarray(self.grid))
        return np.asarray(self.sketch().get_quantiles(list(probs)))

    def hist_on(self, edges: Sequence[float]) -> np.ndarray:
        """Counts on other edges (underflow, bins, overflow): exact if same edges or values kept."""
        edges = tuple(float(e) for e in edges)
        if edges == self.edges:
            return np.asarray(self.hist, dtype=float)
        if self.values is not None:
            return _histogram(np.asarray(self.values), np.asarray(edges)).astype(float)
        if self.n == 0:
            return np.zeros(len(edges) + 1)
        # Mass between the split points from the sketch's CDF (left-inclusive bins),
        # else (no sketch kept) interpolated in the exact quantile grid.
        if self.kll or self.grid is None:
            cdf = np.asarray(self.sketch().get_cdf(list(edges)))
        else:
            cdf = np.interp(edges, np.asarray(self.grid), GRID_PROBS, left=0.0, right=1.0)
            cdf = np.append(cdf, 1.0)
        return np.diff(np.concatenate([[0.0], cdf])) * self.n

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["kll"] = base64.b64encode(self.kll).decode("ascii")
        d["edges"] = list(self.edges)
        d["hist"] = list(self.hist)
        d["values"] = None if self.values is None else _floats_out(self.values)
        d["grid"] = None if self.grid is None else list(self.grid)
        for key in ("mean", "m2", "min", "max"):
            d[key] = _num_out(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NumericProfile:
        d = dict(d)
        d["kll"] = base64.b64decode(d["kll"])
        d["edges"] = tuple(d["edges"])
        d["hist"] = tuple(int(c) for c in d["hist"])
        d["values"] = _floats_in(d.get("values"))
        d["grid"] = None if d.get("grid") is None else tuple(d["grid"])
        for key in ("mean", "m2", "min", "max"):
            d[key] = _num_in(d[key])
        return cls(**d)


def _num_out(v: float) -> Any:
    return v if math.isfinite(v) else str(v)


def _num_in(v: Any) -> float:
    return float(v)


def numeric_values(col: pa.ChunkedArray) -> np.ndarray:
    """Non-null values as float64 (datetimes and durations as seconds)."""
    col = col.drop_null() if col.null_count else col
    t = col.type
    if pa.types.is_timestamp(t) or pa.types.is_duration(t) or pa.types.is_time(t):
        scale = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[t.unit]
        ints = pc.cast(col, pa.int64()).to_numpy()
        return ints.astype(np.float64) / scale
    if pa.types.is_date32(t):
        return pc.cast(col, pa.int32()).to_numpy().astype(np.float64) * 86400.0
    if pa.types.is_date64(t):
        return pc.cast(col, pa.int64()).to_numpy().astype(np.float64) / 1e3
    if pa.types.is_decimal(t):
        col = pc.cast(col, pa.float64())
    return np.asarray(col.to_numpy(), dtype=np.float64)


def default_edges(ordered: np.ndarray, bins: int = HIST_BINS) -> tuple:
    """``bins`` equal-width bins over the central 99% of sorted finite values.

    The bounds are exact quantiles (0.005 and 0.995), so the same data always
    gets the same edges; the tails land in the explicit underflow and overflow
    bins, so outliers neither stretch the bins nor get lost.
    """
    if not ordered.size:
        return ()
    lo, hi = exact_quantiles(ordered, (TAIL, 1.0 - TAIL))
    if not hi > lo:
        lo, hi, bins = lo - 0.5, lo + 0.5, 1
    return tuple(float(e) for e in np.linspace(lo, hi, bins + 1))


def _histogram(ordered: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of sorted values in [underflow, [e0,e1), ..., [e_{m-2}, e_{m-1}], overflow].

    One binary search per edge, no pass over the data, and exact at the edges.
    """
    n = len(ordered)
    if len(edges) == 0:
        return np.array([n], dtype=np.int64)
    below = np.searchsorted(ordered, edges, side="left")
    if len(edges) == 1:  # a single split point: below it, and at or above it
        return np.array([below[0], n - below[0]], dtype=np.int64)
    up_to_last = np.searchsorted(ordered, edges[-1], side="right")
    return np.diff(np.concatenate([[0], below[:-1], [up_to_last, n]])).astype(np.int64)


def _finite_part(x: np.ndarray) -> tuple[np.ndarray, int, int, int]:
    """(finite values, NaN count, +inf count, -inf count)."""
    finite_mask = np.isfinite(x)
    if finite_mask.all():  # the common case: skip the NaN and infinity passes
        return x, 0, 0, 0
    nan = int(np.count_nonzero(np.isnan(x)))
    return (
        x[finite_mask],
        nan,
        int(np.count_nonzero(x == np.inf)),
        int(np.count_nonzero(x == -np.inf)),
    )


def profile_numeric(
    col: pa.ChunkedArray,
    *,
    edges: Sequence[float] | None = None,
    kll_k: int = KLL_K,
    bins: int = HIST_BINS,
    sketch: bool = True,
) -> NumericProfile:
    """The profile of one column; ``sketch=False`` leaves out the KLL sketch.

    Without a sketch the profile answers quantiles and histograms from its
    kept values or exact quantile grid, as one comparison needs (drift of a
    frame), and costs half the time; it cannot be merged.
    """
    kind = DATETIME if column_kind(col.type) == DATETIME else NUMERIC
    finite, nan, pos_inf, neg_inf = _finite_part(numeric_values(col))
    n = int(finite.size)
    # One sort serves the extremes, the exact quantiles, the histogram (binary
    # searches) and the sketch, which takes sorted input in half the time.
    ordered = np.sort(finite)
    kll = datasketches.kll_doubles_sketch(kll_k)
    if n:
        if sketch:
            kll.update(ordered)
        mean = float(finite.mean())
        # Squared in place and summed pairwise: np.dot would go through BLAS,
        # whose threads cost more than the sum on a busy machine.
        dev = finite - mean
        np.multiply(dev, dev, out=dev)
        m2 = float(dev.sum())
        lo, hi = float(ordered[0]), float(ordered[-1])
    else:
        mean, m2, lo, hi = float("nan"), 0.0, float("nan"), float("nan")
    use = tuple(float(e) for e in edges) if edges is not None else default_edges(ordered, bins)
    hist = _histogram(ordered, np.asarray(use, dtype=float))
    return NumericProfile(
        kind=kind,
        count=len(col),
        nulls=col.null_count,
        nan=nan,
        pos_inf=pos_inf,
        neg_inf=neg_inf,
        n=n,
        mean=mean,
        m2=m2,
        min=lo,
        max=hi,
        kll=kll.serialize() if sketch else b"",
        kll_k=kll_k,
        edges=use,
        hist=tuple(int(c) for c in hist),
        values=tuple(ordered.tolist()) if n <= EXACT_VALUES else None,
        grid=None if n <= EXACT_VALUES else tuple(exact_quantiles(ordered, GRID_PROBS)),
    )


def exact_quantiles(ordered: np.ndarray, probs: Sequence[float]) -> list[float]:
    """Quantiles of sorted values, interpolated linearly as ``np.quantile`` does."""
    pos = np.asarray(probs, dtype=float) * (ordered.size - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, ordered.size - 1)
    return (ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)).tolist()


def merge_numeric(a: NumericProfile, b: NumericProfile) -> NumericProfile:
    if a.edges != b.edges:
        raise InvalidArgument(
            "profiles", "numeric profiles on the same histogram edges", "different edges"
        )
    if not (a.kll and b.kll):
        raise InvalidArgument("profiles", "numeric profiles with KLL sketches", "no sketch")
    if a.kll_k != b.kll_k:
        raise InvalidArgument("profiles", "KLL sketches of the same k", (a.kll_k, b.kll_k))
    n = a.n + b.n
    if a.n == 0 or b.n == 0:
        mean, m2 = (b.mean, b.m2) if a.n == 0 else (a.mean, a.m2)
        lo, hi = (b.min, b.max) if a.n == 0 else (a.min, a.max)
    else:
        delta = b.mean - a.mean
        mean = a.mean + delta * b.n / n
        m2 = a.m2 + b.m2 + delta * delta * a.n * b.n / n
        lo, hi = min(a.min, b.min), max(a.max, b.max)
    sketch = a.sketch()
    sketch.merge(b.sketch())
    values = None
    if a.values is not None and b.values is not None and n <= EXACT_VALUES:
        values = tuple(sorted(a.values + b.values))
    return NumericProfile(
        kind=a.kind,
        count=a.count + b.count,
        nulls=a.nulls + b.nulls,
        nan=a.nan + b.nan,
        pos_inf=a.pos_inf + b.pos_inf,
        neg_inf=a.neg_inf + b.neg_inf,
        n=n,
        mean=mean,
        m2=m2,
        min=lo,
        max=hi,
        kll=sketch.serialize(),
        kll_k=a.kll_k,
        edges=a.edges,
        hist=tuple(x + y for x, y in zip(a.hist, b.hist)),
        values=values,
    )


def _floats_out(values: tuple[float, ...]) -> str:
    """Exact values as base64 of little-endian float64: a thousand reprs cost 30x the bytes."""
    return base64.b64encode(np.asarray(values, dtype="<f8").tobytes()).decode("ascii")


def _floats_in(raw: Any) -> tuple[float, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return tuple(np.frombuffer(base64.b64decode(raw), dtype="<f8").tolist())
    return tuple(raw)  # profiles of format 1 kept a JSON list
