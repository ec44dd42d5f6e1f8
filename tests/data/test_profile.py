"""Profiles: what they count, their size, and merging (a hypothesis property test)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlops.data import profile as prof
from jupyter_mlops.data import profile_categorical as prof_categorical
from jupyter_mlops.data.frames import to_table
from jupyter_mlops.data.profile import (
    CategoricalProfile,
    NumericProfile,
    TableProfile,
    merge_profiles,
    profile_chunks,
    profile_table,
)
from jupyter_mlops.errors import InvalidArgument


def test_numeric_counts_and_moments():
    x = pa.table({"v": pa.array([1.0, 2.0, None, float("nan"), float("inf"), -float("inf"), 3.0])})
    p = profile_table(x)["v"]
    assert isinstance(p, NumericProfile)
    assert (p.count, p.nulls, p.nan, p.pos_inf, p.neg_inf, p.n) == (7, 1, 1, 1, 1, 3)
    assert p.mean == pytest.approx(2.0) and p.m2 == pytest.approx(2.0)
    assert (p.min, p.max) == (1.0, 3.0)
    assert p.kll_k == prof.KLL_K
    assert sum(p.hist) == 3 and len(p.hist) == len(p.edges) + 1
    assert p.values == (1.0, 2.0, 3.0)


def test_histogram_has_underflow_and_overflow_on_given_edges():
    t = pa.table({"v": pa.array([-5.0, 0.0, 0.5, 1.0, 2.0, 7.0])})
    p = profile_table(t, edges={"v": (0.0, 1.0, 2.0)})["v"]
    # under, [0,1), [1,2], over
    assert p.hist == (1, 2, 2, 1)


def test_datetimes_are_profiled_as_epoch_seconds():
    t = to_table(pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-01-02", None])}))
    p = profile_table(t)["t"]
    assert p.kind == "datetime" and p.nulls == 1
    assert p.min == pd.Timestamp("2024-01-01").timestamp()
    assert p.max - p.min == 86400


def test_categorical_exact_counts_then_top_k_other_and_distinct_estimate(monkeypatch):
    t = to_table(
        pd.DataFrame({"c": ["a", "b", "a", None, "c"], "b": [True, False, True, True, None]})
    )
    p = profile_table(t)
    c = p["c"]
    assert isinstance(c, CategoricalProfile) and c.exact
    assert c.counts == (("a", 2), ("b", 1), ("c", 1)) and c.nulls == 1 and c.distinct == 3
    assert p["b"].as_dict() == {True: 3, False: 1}
    monkeypatch.setattr(prof_categorical, "CARDINALITY_CAP", 50)
    monkeypatch.setattr(prof_categorical, "TOP_K", 10)
    ids = pd.DataFrame({"id": [f"user{i % 400}" for i in range(1000)]})
    big = profile_table(to_table(ids))["id"]
    assert not big.exact and len(big.counts) == 10
    assert big.other == 1000 - sum(c for _, c in big.counts)
    assert big.distinct == pytest.approx(400, rel=0.05)


def test_category_dtype_is_profiled_by_value():
    df = pd.DataFrame({"c": pd.Categorical(["x", "y", "x"])})
    assert profile_table(to_table(df))["c"].as_dict() == {"x": 2, "y": 1}


def test_profile_is_small_and_round_trips():
    rng = np.random.default_rng(1)
    n = 200_000
    df = pd.DataFrame(
        {"x": rng.normal(size=n), "c": rng.choice([f"k{i}" for i in range(5000)], size=n)}
    )
    p = profile_table(to_table(df))
    blob = p.to_bytes()
    assert len(blob) < 40_000 * 2  # tens of KB per column
    assert TableProfile.from_bytes(blob) == p


def test_merge_refuses_different_edges_or_kinds():
    a = profile_table(pa.table({"v": [1.0, 2.0]}), edges={"v": (0.0, 1.0)})
    b = profile_table(pa.table({"v": [1.0, 2.0]}), edges={"v": (0.0, 2.0)})
    with pytest.raises(InvalidArgument, match="same histogram edges"):
        merge_profiles(a, b)
    with pytest.raises(InvalidArgument):
        merge_profiles(a, profile_table(pa.table({"v": ["a"]})))


def test_chunked_profile_matches_whole_profile():
    rng = np.random.default_rng(3)
    t = to_table(pd.DataFrame({"x": rng.normal(size=50_000), "c": rng.choice(list("abc"), 50_000)}))
    chunked = profile_chunks(t, chunk_rows=7_000)  # KLL is randomised: reuse its edges
    whole = profile_table(t, edges=chunked.edges())
    assert chunked["x"].hist == whole["x"].hist
    assert chunked["c"].counts == whole["c"].counts
    assert chunked["x"].mean == pytest.approx(whole["x"].mean, rel=1e-12)


# -- the property: merge(profile(a), profile(b)) == profile(a ++ b) -------------------
floats = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.just(float("nan")),
    st.just(float("inf")),
    st.none(),
)
cats = st.one_of(st.sampled_from(["a", "b", "c", "d", "é"]), st.none())


@st.composite
def chunked_frames(draw):
    n = draw(st.integers(min_value=2, max_value=3000))
    split = draw(st.integers(min_value=1, max_value=n - 1))
    if n > 60:  # big draws come from numpy so hypothesis stays fast
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        num = rng.normal(draw(st.floats(-100, 100)), draw(st.floats(0.1, 100)), n).tolist()
        cat = rng.choice(["a", "b", "c", "d", "é"], n).tolist()
        for i in rng.choice(n, size=n // 20, replace=False):
            num[i] = None
            cat[i] = None
    else:
        num = draw(st.lists(floats, min_size=n, max_size=n))
        cat = draw(st.lists(cats, min_size=n, max_size=n))
    table = pa.table({"num": pa.array(num, type=pa.float64()), "cat": pa.array(cat, pa.string())})
    return table, split


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunked_frames(), st.sampled_from([(-1.0, 0.0, 1.0), (-50.0, 0.0, 10.0, 50.0)]))
def test_merge_of_chunks_equals_profile_of_concatenation(data, edges):
    table, split = data
    e = {"num": edges}
    whole = profile_table(table, edges=e)
    merged = merge_profiles(
        profile_table(table.slice(0, split), edges=e), profile_table(table.slice(split), edges=e)
    )
    w, m = whole["num"], merged["num"]
    # exact: counts, histogram, min/max, values kept
    for key in ("count", "nulls", "nan", "pos_inf", "neg_inf", "n", "hist", "edges", "values"):
        assert getattr(m, key) == getattr(w, key), key
    if w.n:
        assert (m.min, m.max) == (w.min, w.max)
        assert m.mean == pytest.approx(w.mean, rel=1e-9, abs=1e-9)
        assert m.m2 == pytest.approx(w.m2, rel=1e-7, abs=1e-6)
        # quantiles within the sketch's rank error
        probs = [0.1, 0.5, 0.9]
        err = m.sketch().normalized_rank_error(False) * 2
        finite = np.sort(np.asarray([v for v in table["num"].to_pylist() if v is not None]))
        finite = finite[np.isfinite(finite)]
        q = m.sketch().get_quantiles(probs)
        lo = np.searchsorted(finite, q, side="left") / len(finite)
        hi = np.searchsorted(finite, q, side="right") / len(finite)
        p = np.asarray(probs)
        assert np.all((p >= lo - err - 1 / len(finite)) & (p <= hi + err)), (lo, hi)
    assert merged["cat"] == whole["cat"]
    assert merged.n_rows == whole.n_rows
    assert math.isclose(m.std, w.std, rel_tol=1e-6) or w.n == 0


def test_categories_of_odd_types_stay_json_safe():
    df = pd.DataFrame({"d": pd.Categorical(pd.to_datetime(["2024-01-01", "2024-01-02"]))})
    p = profile_table(to_table(df))
    assert TableProfile.from_bytes(p.to_bytes())["d"].as_dict() == {
        "2024-01-01 00:00:00": 1,
        "2024-01-02 00:00:00": 1,
    }


def test_grid_quantiles_are_exact_and_round_trip():
    x = np.random.default_rng(5).lognormal(size=50_000)
    p = profile_table(pa.table({"x": x})).columns["x"]
    assert p.values is None and len(p.grid) == prof.QUANTILE_GRID
    np.testing.assert_allclose(p.quantiles(prof.GRID_PROBS), np.quantile(x, prof.GRID_PROBS))
    assert prof.NumericProfile.from_dict(p.to_dict()) == p
    again = profile_table(pa.table({"x": x})).columns["x"]
    assert (again.edges, again.hist, again.grid) == (p.edges, p.hist, p.grid)
    # a merge cannot keep exact quantiles: the (stored) sketch answers
    halves = [pa.table({"x": half}) for half in (x[:30_000], x[30_000:])]
    merged = merge_profiles(*(profile_table(h, edges={"x": p.edges}) for h in halves))
    assert merged.columns["x"].grid is None


def test_profile_without_sketches_answers_like_one_with_them_and_refuses_merging():
    rng = np.random.default_rng(7)
    table = pa.table({"x": rng.normal(3.0, 2.0, 5000), "c": rng.choice(["a", "b"], 5000)})
    full = profile_table(table)["x"]
    lean = profile_table(table, sketches=False)["x"]
    assert lean.kll == b"" and full.kll
    probs = [0.01, 0.25, 0.5, 0.9]
    assert np.array_equal(lean.quantiles(probs), full.quantiles(probs))
    assert np.array_equal(lean.hist_on(full.edges), full.hist_on(full.edges))
    assert (lean.mean, lean.m2, lean.min, lean.max) == (full.mean, full.m2, full.min, full.max)
    other = (-1.0, 0.0, 2.0, 5.0)  # edges of another profile: from the exact grid
    x = table["x"].to_numpy()
    truth = np.histogram(x, bins=[-np.inf, *other, np.inf])[0]
    # The grid's 512 exact quantiles put each count within a band (5000/512 rows) of
    # the truth; the full profile answers from its randomised KLL sketch instead.
    assert np.abs(lean.hist_on(other) - truth).max() <= 5000 / 512 + 1
    assert lean.hist_on(other).sum() == pytest.approx(5000)
    with pytest.raises(InvalidArgument, match="profiles"):
        merge_profiles(profile_table(table, sketches=False), profile_table(table))
    with pytest.raises(InvalidArgument, match="profile"):
        lean.sketch()


def test_exact_values_round_trip_as_bytes_and_profiles_of_format_1_still_read():
    import json
    import zlib

    from jupyter_mlops.data.profile import TableProfile

    values = np.array([-0.0, 1e-310, 0.1, 2.0**60, -7.5] * 20)
    p = profile_table(pa.table({"x": values}))
    back = TableProfile.from_bytes(p.to_bytes())
    assert back.columns["x"].values == p.columns["x"].values
    assert [math.copysign(1, v) for v in back.columns["x"].values[:20]] == [
        math.copysign(1, v) for v in p.columns["x"].values[:20]
    ]
    old = p.to_dict()
    old["format"] = 1
    old["columns"]["x"]["values"] = list(p.columns["x"].values)  # format 1: a JSON list
    legacy = TableProfile.from_bytes(zlib.compress(json.dumps(old).encode()))
    assert legacy.columns["x"].values == p.columns["x"].values
    assert isinstance(p.to_dict()["columns"]["x"]["values"], str)
