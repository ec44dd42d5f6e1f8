"""Drift: methods by type and size, verdicts, schema changes, and quality over seeds."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.data.drift import THRESHOLDS
from jupyter_mlops.errors import InvalidArgument

from .conftest import make_frame


def by_column(report) -> dict:
    return report.columns.set_index("column").to_dict(orient="index")


def test_methods_follow_type_and_size():
    small = mlops.drift(make_frame(500, seed=1), make_frame(500, seed=2))
    rows = by_column(small)
    assert rows["x"]["method"] == "ks" and rows["city"]["method"] == "chisquare"
    assert rows["flag"]["method"] == "chisquare" and rows["when"]["method"] == "ks"
    large = mlops.drift(make_frame(5000, seed=1), make_frame(5000, seed=2))
    rows = by_column(large)
    assert rows["x"]["method"] == "wasserstein" and rows["city"]["method"] == "jensenshannon"
    assert list(large.columns.columns[:5]) == ["column", "kind", "method", "statistic", "threshold"]
    assert not large.drifted and large.share == 0.0


def test_forced_methods_and_thresholds():
    r = mlops.drift(
        make_frame(3000, seed=1),
        make_frame(3000, seed=2, shift=0.5),
        numeric_method="psi",
        categorical_method="psi",
        thresholds={"psi": 0.05},
    )
    rows = by_column(r)
    assert rows["x"]["method"] == "psi" and rows["x"]["threshold"] == 0.05
    assert rows["x"]["drifted"] and not rows["city"]["drifted"]
    with pytest.raises(InvalidArgument, match="numeric_method"):
        mlops.drift(make_frame(10), make_frame(10), numeric_method="magic")
    with pytest.raises(InvalidArgument, match="thresholds"):
        mlops.drift(make_frame(10), make_frame(10), thresholds={"nope": 1})
    with pytest.raises(InvalidArgument, match="drift_share"):
        mlops.drift(make_frame(10), make_frame(10), drift_share=0)


def test_large_samples_do_not_alarm_on_trivial_shifts():
    """At 1M rows a 0.02-sigma shift is 'significant' for KS yet tiny; the distance stays quiet."""
    from scipy import stats

    rng = np.random.default_rng(0)
    a = pd.DataFrame({"x": rng.normal(0, 1, 1_000_000)})
    b = pd.DataFrame({"x": rng.normal(0.02, 1, 1_000_000)})
    assert stats.ks_2samp(a["x"], b["x"]).pvalue < 1e-20
    row = by_column(mlops.drift(a, b))["x"]
    # 0.02 plus the sketches' noise (about 0.01 at k=400), far below the 0.1 threshold
    assert row["method"] == "wasserstein" and row["statistic"] < 0.05
    assert not row["drifted"]


@pytest.mark.parametrize("n", [300, 10_000])
def test_same_distribution_rarely_flagged_across_20_seeds(n):
    flags = tests = 0
    for seed in range(20):
        r = mlops.drift(make_frame(n, seed=2 * seed), make_frame(n, seed=2 * seed + 1))
        tests += len(r.columns)
        flags += int(r.columns["drifted"].sum())
        assert not r.drifted
    assert flags / tests <= 0.05, (flags, tests)


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_mean_shift_of_a_third_sigma_is_flagged(n):
    for seed in range(3):
        r = mlops.drift(make_frame(n, seed=seed), make_frame(n, seed=seed + 100, shift=0.3))
        rows = by_column(r)
        assert rows["x"]["drifted"], rows["x"]
        assert rows["x"]["statistic"] == pytest.approx(0.3, abs=0.08)
        assert not rows["y"]["drifted"]


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_changed_category_mix_is_flagged(n):
    for seed in range(3):
        r = mlops.drift(
            make_frame(n, seed=seed), make_frame(n, seed=seed + 100, mix=[0.3, 0.3, 0.4])
        )
        rows = by_column(r)
        assert rows["city"]["drifted"] and not rows["x"]["drifted"]


def test_current_is_binned_on_reference_edges(store):
    ref = mlops.snapshot(make_frame(5000, seed=1), "ref")
    report = mlops.drift("ref@1", make_frame(5000, seed=2, shift=6.0))
    edges = mlops.get_profile(ref)["x"].edges
    assert report.current_profile["x"].edges == edges
    dist = report.distribution("x")
    assert len(dist["labels"]) == len(edges) + 1
    assert dist["current"][-1] > 0.5  # most of the shifted data is in the overflow bin


def test_snapshot_to_snapshot_uses_profiles_only(store, monkeypatch):
    mlops.snapshot(make_frame(5000, seed=1), "d")
    mlops.snapshot(make_frame(5000, seed=2, shift=0.5, mix=[0.2, 0.2, 0.6]), "d")

    def no_data(*a, **k):
        raise AssertionError("drift between snapshots must not read the data back")

    snap_mod = importlib.import_module("jupyter_mlops.data.snapshot")
    monkeypatch.setattr(snap_mod, "load_snapshot", no_data)
    snap_mod._profile_cache.clear()  # profiles are read from their blobs
    monkeypatch.setattr(store.blobs, "open", no_data)
    r = mlops.drift("d@1", "d@latest")
    assert (r.reference, r.current) == ("d@1", "d@2")
    assert set(r.drifted_columns) == {"x", "city"}
    assert not r.drifted  # 2 of 5 columns < half


def test_direction_matters_and_is_reference_based(store):
    a, b = make_frame(4000, seed=1), make_frame(4000, seed=2, shift=1.0)
    ab, ba = mlops.drift(a, b), mlops.drift(b, a)
    assert by_column(ab)["x"]["drifted"] and by_column(ba)["x"]["drifted"]


def test_dataset_verdict_by_share():
    a = make_frame(3000, seed=1)
    b = make_frame(3000, seed=2, shift=1.0, mix=[0.1, 0.1, 0.8])
    b["y"] = b["y"] * 3
    r = mlops.drift(a, b)
    assert r.share == pytest.approx(3 / 5)
    assert r.drifted
    assert not mlops.drift(a, b, drift_share=0.8).drifted
    assert mlops.drift(a, b, columns=["x"]).drifted


def test_schema_changes_are_reported_not_crashed_on():
    ref = make_frame(2000, seed=1)
    cur = make_frame(2000, seed=2).drop(columns=["y"])
    cur["new"] = 1.0
    cur["city"] = np.arange(len(cur), dtype=float)  # text -> numbers
    cur["x"] = cur["x"].round().astype("int64")  # float -> int: same kind, still compared
    r = mlops.drift(ref, cur)
    rows = by_column(r)
    assert rows["y"]["method"] == "missing" and not rows["y"]["drifted"]
    assert rows["new"]["method"] == "new" and not rows["new"]["drifted"]
    assert rows["city"]["method"] == "type change" and rows["city"]["drifted"]
    assert "large_string -> double" in rows["city"]["note"]
    assert rows["x"]["method"] == "wasserstein" and "double -> int64" in rows["x"]["note"]
    assert set(r.schema_changes["column"]) == {"y", "new", "city"}
    assert r.missing_columns == ["y"] and r.new_columns == ["new"]
    assert r.share == pytest.approx(2 / 4)  # x (rounded) and city of 4 compared; y not counted
    assert mlops.drift(ref, cur, missing="drift").share == pytest.approx(3 / 5)


def test_null_and_nested_columns_are_skipped():
    ref = pd.DataFrame({"n": [None] * 50, "l": [[1]] * 50, "x": np.arange(50.0)})
    cur = pd.DataFrame({"n": [None] * 50, "l": [[2]] * 50, "x": np.arange(50.0)})
    r = mlops.drift(ref, cur)
    rows = by_column(r)
    assert rows["n"]["method"] == "skipped" and "null" in rows["n"]["note"]
    assert rows["l"]["method"] == "skipped" and "unsupported" in rows["l"]["note"]
    assert not r.drifted and r.share == 0.0


def test_all_nan_current_column_is_skipped():
    r = mlops.drift(pd.DataFrame({"x": np.arange(10.0)}), pd.DataFrame({"x": [np.nan] * 10}))
    row = by_column(r)["x"]
    assert row["method"] == "skipped" and "no values in current" in row["note"]
    assert row["missing_current"] == 1.0


def test_bad_sides():
    with pytest.raises(InvalidArgument, match="current.*at least one row"):
        mlops.drift(make_frame(10), pd.DataFrame({"x": []}))
    with pytest.raises(InvalidArgument, match="columns"):
        mlops.drift(make_frame(10), make_frame(10), columns=["nope"])


def test_report_renders_and_serialises():
    r = mlops.drift(make_frame(3000, seed=1), make_frame(3000, seed=2, shift=1.0))
    html = r._repr_html_()
    assert "<table" in html and "wasserstein" in html
    assert "DriftReport(" in repr(r)
    d = r.to_dict()
    text = json.dumps(d)
    assert "NaN" not in text
    assert d["n_drifted"] == 1 and d["drifted"] is False
    assert set(d["distributions"]) == {"x", "y", "city", "flag", "when"}
    assert THRESHOLDS["wasserstein"] == 0.1


def test_drift_of_frames_is_repeatable_and_zero_on_identical_data():
    ref, cur = make_frame(20_000, seed=1), make_frame(20_000, seed=2, shift=0.2)
    first, again = mlops.drift(ref, cur).columns, mlops.drift(ref, cur).columns
    pd.testing.assert_frame_equal(first, again)
    same = by_column(mlops.drift(ref, ref.copy()))
    assert same["x"]["method"] == "wasserstein" and same["x"]["statistic"] == 0.0


def test_wasserstein_on_large_frames_matches_the_exact_distance():
    from scipy import stats

    ref, cur = make_frame(50_000, seed=1), make_frame(50_000, seed=2, shift=0.3)
    row = by_column(mlops.drift(ref, cur, columns=["x"]))["x"]
    exact = stats.wasserstein_distance(ref["x"], cur["x"]) / ref["x"].std(ddof=0)
    assert row["statistic"] == pytest.approx(exact, rel=0.01)


def twelve_features(n: int = 3000, seed: int = 0, drifted: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {f"f{i}": rng.normal(0.8 if i < drifted else 0.0, 1.0, n) for i in range(12)}
    )


def test_a_column_only_in_the_reference_is_reported_apart_and_not_counted():
    ref = make_frame(3000, seed=1)
    ref["target"] = ref["x"] > 0
    cur = make_frame(3000, seed=2, shift=1.0, mix=[0.1, 0.1, 0.8])
    cur["extra"] = 1.0
    r = mlops.drift(ref, cur)
    assert r.missing_columns == ["target"] and r.new_columns == ["extra"]
    assert set(r.drifted_columns) == {"x", "city"}
    assert r.share == pytest.approx(2 / 5) and not r.drifted  # target is not counted
    row = by_column(r)["target"]
    assert row["method"] == "missing" and not row["drifted"]
    assert "2 of 5 columns drifted, dataset drift needs 50%" in r.rule
    assert "target" in r.rule
    counted = mlops.drift(ref, cur, missing="drift")
    assert counted.missing_columns == ["target"] and by_column(counted)["target"]["drifted"]
    assert counted.share == pytest.approx(3 / 6) and counted.drifted
    assert "3 of 6 columns drifted" in counted.rule
    with pytest.raises(InvalidArgument, match="missing"):
        mlops.drift(ref, cur, missing="count")


def test_the_rule_is_stated_next_to_the_verdict_everywhere():
    r = mlops.drift(twelve_features(seed=1, drifted=0), twelve_features(seed=2))
    assert r.drifted_columns == ["f0", "f1", "f2"] and not r.drifted
    rule = "3 of 12 columns drifted, dataset drift needs 50%"
    assert r.rule.startswith(rule)
    assert rule in repr(r).splitlines()[0]
    assert rule in r._repr_html_()
    assert rule in r.figure()["layout"]["title"]["text"]
    d = r.to_dict(distributions=False)
    assert d["rule"] == r.rule and d["missing_columns"] == [] and d["new_columns"] == []


def test_fail_on_column_fails_the_check_on_any_drifted_column():
    ref, cur = twelve_features(seed=1, drifted=0), twelve_features(seed=2)
    assert not mlops.drift(ref, cur).failed  # the default: fail on a drifted data set
    r = mlops.drift(ref, cur, fail_on="column")
    assert r.failed and not r.drifted and r.fail_on == "column"
    assert "any drifted column fails" in r.rule
    assert r.to_dict(distributions=False)["failed"] is True
    quiet = mlops.drift(ref, twelve_features(seed=3, drifted=0), fail_on="column")
    assert not quiet.failed
    with pytest.raises(InvalidArgument, match="fail_on"):
        mlops.drift(ref, cur, fail_on="columns")


def test_the_magic_passes_missing_and_fail_on(ip):
    ref = make_frame(3000, seed=1)
    ref["target"] = ref["x"] > 0
    ip.user_ns.update(ref=ref, cur=make_frame(3000, seed=2, shift=1.0, mix=[0.1, 0.1, 0.8]))
    quiet = ip.run_line_magic("mlops", "drift ref cur")
    assert quiet.missing_columns == ["target"] and not quiet.drifted and not quiet.failed
    strict = ip.run_line_magic("mlops", "drift ref cur --missing drift --fail-on column")
    assert strict.drifted and strict.failed and strict.fail_on == "column"
    assert "3 of 6 columns drifted" in strict.rule


def test_frame_drift_gives_what_full_profiles_give():
    """Frames are profiled without KLL sketches for drift; the report must not change."""
    from jupyter_mlops.data.drift import _rows
    from jupyter_mlops.data.frames import to_table
    from jupyter_mlops.data.profile import profile_table

    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 20_000), "c": rng.choice(list("abc"), 20_000)})
    cur = pd.DataFrame({"x": rng.normal(0.3, 1, 20_000), "c": rng.choice(list("abd"), 20_000)})
    report = mlops.drift(ref, cur)
    rp = profile_table(to_table(ref))
    cp = profile_table(to_table(cur), edges=rp.edges())
    expected = _rows(rp, cp, ["x", "c"], ("auto", "auto"), missing="ignore", thresholds=THRESHOLDS)
    got = report.columns.set_index("column")
    for row in expected:
        assert got.loc[row["column"], "statistic"] == row["statistic"]
        assert got.loc[row["column"], "drifted"] == row["drifted"]


def test_js_distance_is_scipys_jensenshannon():
    from scipy.spatial.distance import jensenshannon

    from jupyter_mlops.data.drift import js_distance

    rng = np.random.default_rng(11)
    for _ in range(50):
        rc = rng.integers(0, 1000, 12).astype(float)
        cc = rng.integers(0, 1000, 12).astype(float)
        rc[rng.integers(0, 12)] = 0.0
        assert js_distance(rc, cc) == float(jensenshannon(rc / rc.sum(), cc / cc.sum()))


def test_drift_of_large_frames_does_not_load_scipy_stats():
    """scipy.stats is ~60 MB of a fresh process; only the small-sample tests need it."""
    from tests.conftest import run_python

    code = (
        "import sys, numpy as np, pandas as pd, jupyter_mlops as mlops\n"
        "rng = np.random.default_rng(0)\n"
        "f = lambda s: pd.DataFrame({'x': rng.normal(s, 1, 5000),"
        " 'c': rng.choice(list('abc'), 5000)})\n"
        "r = mlops.drift(f(0.0), f(0.5))\n"
        "print(sorted(r.drifted_columns), 'scipy.stats' in sys.modules)\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "False", proc.stdout


def test_a_small_window_of_the_reference_distribution_does_not_drift_on_noise():
    """A 100-row window against a 20,000-row reference: Wasserstein's chance level is ~0.13."""
    rng = np.random.default_rng(7)
    reference = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.exponential(size=20_000)})
    quiet = [
        mlops.drift(
            reference, pd.DataFrame({"x": rng.normal(size=n), "y": rng.exponential(size=n)})
        )
        for n in [100] * 30
    ]
    flagged = sum(len(r.drifted_columns) for r in quiet)
    assert flagged <= 1, f"{flagged} of 60 columns drifted on noise"
    row = quiet[0].columns.set_index("column").loc["x"]
    assert row["method"] == "wasserstein"
    assert row["threshold"] == pytest.approx(3 / np.sqrt(100 * 20_000 / 20_100), 0.01)
    assert "threshold raised" in row["note"]
    shifted = mlops.drift(reference, pd.DataFrame({"x": rng.normal(0.8, size=100),
                                                   "y": rng.exponential(size=100)}))  # fmt: skip
    assert shifted.drifted_columns == ["x"]
    large = mlops.drift(reference, pd.DataFrame({"x": rng.normal(size=5_000)}))
    assert large.columns.set_index("column").loc["x", "threshold"] == THRESHOLDS["wasserstein"]
