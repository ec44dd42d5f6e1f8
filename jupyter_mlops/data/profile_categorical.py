"""Categorical, text and bool column profiles; see ``profile.py`` for the whole.

Exact value counts while there are at most ``CARDINALITY_CAP`` distinct
values; above that the ``TOP_K`` most frequent, an ``other`` count and a
HyperLogLog distinct-count estimate.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import datasketches
import pyarrow as pa
import pyarrow.compute as pc

from .frames import CATEGORICAL, decode

CARDINALITY_CAP = 1000
TOP_K = 100
HLL_LG_K = 12


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
