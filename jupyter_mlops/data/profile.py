"""Mergeable column profiles: what drift and validation read instead of the data.

A profile is small (a few KB per column) and *mergeable*: the profile of two
chunks merged is the profile of their concatenation, so large data is
profiled chunk by chunk (and could be in parallel) and combined.

Numeric (and datetime, as epoch seconds) columns keep
    count, nulls, NaN, +inf, -inf, the finite count ``n``, ``mean`` and ``m2``
    (sum of squared deviations, merged with Chan et al.'s formula), min, max,
    a KLL quantile sketch (Apache DataSketches, size parameter ``k`` recorded),
    a histogram on fixed edges with an explicit underflow and overflow bin, and
    the sorted finite values themselves while there are at most
    ``EXACT_VALUES`` of them (exact small-sample tests need them).
Categorical, text and bool columns keep
    count, nulls, exact value counts while there are at most ``CARDINALITY_CAP``
    distinct values; above that the ``TOP_K`` most frequent, an ``other`` count
    and a HyperLogLog distinct-count estimate.

Merging is exact for counts, histograms (same edges required), values and
category counts below the cap; mean and m2 are exact up to floating point;
quantiles are within the KLL sketch's rank error (about 0.7% at k=400).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import datasketches
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidArgument
from .frames import CATEGORICAL, DATETIME, NULL, NUMERIC, OTHER, column_kind, decode

KLL_K = 400
HIST_BINS = 20
TAIL = 0.005
EXACT_VALUES = 1000
CARDINALITY_CAP = 1000
TOP_K = 100
HLL_LG_K = 12
FORMAT = 1
EDGE_SAMPLE = 200_000  # values sampled to choose bin edges of chunked profiles
PROGRESS_CELLS = 10_000_000  # show a progress bar from this many cells
QUANTILE_GRID = 512  # exact quantiles kept per numeric column (mid-points of 512 equal bands)
GRID_PROBS = (np.arange(QUANTILE_GRID) + 0.5) / QUANTILE_GRID


# -- numeric ------------------------------------------------------------------
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
        # Mass between the split points from the sketch's CDF (left-inclusive bins).
        cdf = np.asarray(self.sketch().get_cdf(list(edges)))
        return np.diff(np.concatenate([[0.0], cdf])) * self.n

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["kll"] = base64.b64encode(self.kll).decode("ascii")
        d["edges"] = list(self.edges)
        d["hist"] = list(self.hist)
        d["values"] = None if self.values is None else list(self.values)
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
        d["values"] = None if d.get("values") is None else tuple(d["values"])
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


def profile_numeric(
    col: pa.ChunkedArray,
    *,
    edges: Sequence[float] | None = None,
    kll_k: int = KLL_K,
    bins: int = HIST_BINS,
) -> NumericProfile:
    kind = DATETIME if column_kind(col.type) == DATETIME else NUMERIC
    x = numeric_values(col)
    finite_mask = np.isfinite(x)
    if finite_mask.all():  # the common case: skip the NaN and infinity passes
        finite, nan, pos_inf, neg_inf = x, 0, 0, 0
    else:
        finite = x[finite_mask]
        nan = int(np.count_nonzero(np.isnan(x)))
        pos_inf = int(np.count_nonzero(x == np.inf))
        neg_inf = int(np.count_nonzero(x == -np.inf))
    n = int(finite.size)
    # One sort serves the extremes, the exact quantiles, the histogram (binary
    # searches) and the sketch, which takes sorted input in half the time.
    ordered = np.sort(finite)
    sketch = datasketches.kll_doubles_sketch(kll_k)
    if n:
        sketch.update(ordered)
        mean = float(finite.mean())
        dev = finite - mean
        m2 = float(np.dot(dev, dev))
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
        kll=sketch.serialize(),
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


# -- categorical ----------------------------------------------------------------
@dataclass(frozen=True)
class CategoricalProfile:
    kind: str  # "categorical"
    count: int
    nulls: int
    counts: tuple[tuple[Any, int], ...]  # (value, count), most frequent first
    exact: bool  # counts hold every distinct value
    other: int = 0  # values outside ``counts`` when not exact
    distinct: float = 0.0  # exact when ``exact``, else a HyperLogLog estimate
    hll: bytes | None = None

    @property
    def missing(self) -> int:
        return self.nulls

    def as_dict(self) -> dict[Any, int]:
        return dict(self.counts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "count": self.count,
            "nulls": self.nulls,
            "counts": [[v, c] for v, c in self.counts],
            "exact": self.exact,
            "other": self.other,
            "distinct": self.distinct,
            "hll": None if self.hll is None else base64.b64encode(self.hll).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CategoricalProfile:
        return cls(
            kind=d["kind"],
            count=d["count"],
            nulls=d["nulls"],
            counts=tuple((v, int(c)) for v, c in d["counts"]),
            exact=d["exact"],
            other=d.get("other", 0),
            distinct=d.get("distinct", 0.0),
            hll=None if d.get("hll") is None else base64.b64decode(d["hll"]),
        )


def _hll_of(values: Sequence[Any]) -> datasketches.hll_sketch:
    sketch = datasketches.hll_sketch(HLL_LG_K)
    for v in values:
        sketch.update(str(v))
    return sketch


def _categorical_from_counts(
    counts: dict[Any, int], count: int, nulls: int, hll: datasketches.hll_sketch | None
) -> CategoricalProfile:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    if len(ordered) <= CARDINALITY_CAP and hll is None:
        return CategoricalProfile(
            CATEGORICAL, count, nulls, tuple(ordered), True, 0, float(len(ordered))
        )
    if hll is None:
        hll = _hll_of(counts)
    top = tuple(ordered[:TOP_K])
    other = count - nulls - sum(c for _, c in top)
    return CategoricalProfile(
        CATEGORICAL,
        count,
        nulls,
        top,
        False,
        other,
        float(hll.get_estimate()),
        hll.serialize_compact(),
    )


def _plain(v: Any) -> Any:
    """Category values as JSON scalars (dates, decimals and the like become strings)."""
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    return str(v)


def profile_categorical(col: pa.ChunkedArray) -> CategoricalProfile:
    col = decode(col)
    vc = pc.value_counts(col.drop_null() if col.null_count else col)
    values = [_plain(v) for v in vc.field("values").to_pylist()]
    freqs = vc.field("counts").to_pylist()
    return _categorical_from_counts(dict(zip(values, freqs)), len(col), col.null_count, None)


def merge_categorical(a: CategoricalProfile, b: CategoricalProfile) -> CategoricalProfile:
    merged = dict(a.counts)
    for v, c in b.counts:
        merged[v] = merged.get(v, 0) + c
    hll = None
    if not (a.exact and b.exact) or len(merged) > CARDINALITY_CAP:
        union = datasketches.hll_union(HLL_LG_K)
        for side in (a, b):
            if side.hll is not None:
                union.update(datasketches.hll_sketch.deserialize(side.hll))
            else:
                union.update(_hll_of([v for v, _ in side.counts]))
        hll = union.get_result()
    return _categorical_from_counts(merged, a.count + b.count, a.nulls + b.nulls, hll)


# -- null and unsupported columns -------------------------------------------------
@dataclass(frozen=True)
class BasicProfile:
    """All-null columns and types we do not profile (lists, structs, binary): counts only."""

    kind: str  # "null" or "other"
    count: int
    nulls: int

    @property
    def missing(self) -> int:
        return self.nulls

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "nulls": self.nulls}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BasicProfile:
        return cls(d["kind"], d["count"], d["nulls"])


ColumnProfile = NumericProfile | CategoricalProfile | BasicProfile


def profile_column(
    col: pa.ChunkedArray, *, edges: Sequence[float] | None = None, kll_k: int = KLL_K
) -> ColumnProfile:
    kind = column_kind(col.type)
    if kind in (NUMERIC, DATETIME):
        return profile_numeric(col, edges=edges, kll_k=kll_k)
    if kind == CATEGORICAL:
        return profile_categorical(col)
    return BasicProfile(kind, len(col), col.null_count)


def merge_column(a: ColumnProfile, b: ColumnProfile) -> ColumnProfile:
    if type(a) is not type(b) or a.kind != b.kind:
        raise InvalidArgument("profiles", "profiles of the same kind to merge", (a.kind, b.kind))
    if isinstance(a, NumericProfile):
        return merge_numeric(a, b)
    if isinstance(a, CategoricalProfile):
        return merge_categorical(a, b)
    return replace(a, count=a.count + b.count, nulls=a.nulls + b.nulls)


def column_from_dict(d: dict[str, Any]) -> ColumnProfile:
    if d["kind"] in (NUMERIC, DATETIME):
        return NumericProfile.from_dict(d)
    if d["kind"] == CATEGORICAL:
        return CategoricalProfile.from_dict(d)
    if d["kind"] in (NULL, OTHER):
        return BasicProfile.from_dict(d)
    raise InvalidArgument("profile", "a known column kind", d["kind"])


# -- tables -------------------------------------------------------------------------
@dataclass(frozen=True)
class TableProfile:
    n_rows: int
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # Arrow type names

    def __getitem__(self, name: str) -> ColumnProfile:
        return self.columns[name]

    def edges(self) -> dict[str, tuple[float, ...]]:
        return {n: p.edges for n, p in self.columns.items() if isinstance(p, NumericProfile)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "n_rows": self.n_rows,
            "types": dict(self.types),
            "columns": {n: p.to_dict() for n, p in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableProfile:
        cols = {n: column_from_dict(p) for n, p in d["columns"].items()}
        return cls(d["n_rows"], cols, dict(d.get("types", {})))

    def to_bytes(self) -> bytes:
        return zlib.compress(json.dumps(self.to_dict(), separators=(",", ":")).encode(), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> TableProfile:
        return cls.from_dict(json.loads(zlib.decompress(data)))

    def summary(self):
        """One row per column: kind, count, missing, mean/std/min/max or distinct/top value."""
        import pandas as pd

        rows = []
        for name, p in self.columns.items():
            row: dict[str, Any] = {
                "column": name,
                "type": self.types.get(name, ""),
                "kind": p.kind,
                "count": p.count,
                "missing": p.missing,
            }
            if isinstance(p, NumericProfile):
                row.update(mean=p.mean, std=p.std, min=p.min, max=p.max)
            elif isinstance(p, CategoricalProfile):
                row.update(distinct=p.distinct, top=p.counts[0][0] if p.counts else None)
            rows.append(row)
        return pd.DataFrame(rows)


def profile_table(
    table: pa.Table,
    *,
    edges: dict[str, Sequence[float]] | None = None,
    kll_k: int = KLL_K,
) -> TableProfile:
    """Profile every column; ``edges`` fixes histogram edges per column (e.g. a reference's)."""
    edges = edges or {}
    cols = {}
    columns = zip(table.column_names, table.columns)
    if table.num_rows * table.num_columns >= PROGRESS_CELLS:
        from tqdm.auto import tqdm

        columns = tqdm(columns, total=table.num_columns, desc="profiling", unit="col", leave=False)
    for name, col in columns:
        cols[name] = profile_column(col, edges=edges.get(name), kll_k=kll_k)
    types = {f.name: str(f.type) for f in table.schema}
    return TableProfile(table.num_rows, cols, types)


def merge_profiles(a: TableProfile, b: TableProfile) -> TableProfile:
    """The profile of the concatenation of the two profiled tables (same columns required)."""
    if list(a.columns) != list(b.columns):
        raise InvalidArgument("profiles", "profiles of tables with the same columns", None)
    cols = {n: merge_column(a.columns[n], b.columns[n]) for n in a.columns}
    return TableProfile(a.n_rows + b.n_rows, cols, dict(a.types))


def profile_chunks(
    table: pa.Table, *, chunk_rows: int = 1_000_000, kll_k: int = KLL_K
) -> TableProfile:
    """Profile a table chunk by chunk (edges fixed by a first sketch pass) and merge."""
    if table.num_rows <= chunk_rows:
        return profile_table(table, kll_k=kll_k)
    # Edges from a strided sample: they only need to be roughly equal-mass.
    step = max(1, table.num_rows // EDGE_SAMPLE)
    edges = {}
    for name, col in zip(table.column_names, table.columns):
        if column_kind(col.type) in (NUMERIC, DATETIME):
            x = numeric_values(col)[::step]
            edges[name] = default_edges(np.sort(x[np.isfinite(x)]))
    result = None
    for start in range(0, table.num_rows, chunk_rows):
        part = profile_table(table.slice(start, chunk_rows), edges=edges, kll_k=kll_k)
        result = part if result is None else merge_profiles(result, part)
    assert result is not None
    return result
