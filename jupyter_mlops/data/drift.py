"""Drift between a reference and a current data set, computed from column profiles.

Each side is a stored snapshot (``"train@3"``) or a frame. Between two
snapshots only their stored profiles are read, never the data. A frame is
profiled on the spot; the current side is always binned on the *reference's*
histogram edges, so a reference profile can be stored ahead of time and
``drift(a, b)`` compares ``b`` to ``a`` on ``a``'s terms.

Default method per column (``method="auto"``), as in Evidently's presets:

===========  ==========================  =======================================
kind         both sides <= 1000 values    otherwise
===========  ==========================  =======================================
numeric      Kolmogorov-Smirnov p-value   Wasserstein distance / reference std
             drifted when p < 0.05        drifted when >= 0.1
categorical  chi-square p-value (2 x K    Jensen-Shannon distance (natural log)
             contingency), p < 0.05       drifted when >= 0.1
===========  ==========================  =======================================

When one side is small, the Wasserstein threshold is raised to the distance
two samples of one distribution reach by chance (``noise_floor``).

``psi`` (population stability index on the reference's bins, drifted when >=
0.1) can be chosen for either kind; ``ks``, ``wasserstein``, ``chisquare`` and
``jensenshannon`` can be forced too. Datetimes are compared as numbers
(epoch seconds), bools as categories.

Why distances above a thousand values: a p-value answers "is there *any*
difference?", and with enough data the answer is always yes. At 1M rows a
0.02-sigma shift gives a KS p-value near 1e-32, an alarm nobody wants; the
normalised Wasserstein distance of that shift is 0.02, far below 0.1. The
distance thresholds say how *large* a change must be (0.1 of a standard
deviation of mass moved, or a Jensen-Shannon distance of 0.1), so two samples
of one distribution stay quiet however big they are, while a 0.3-sigma shift
(distance 0.3) is flagged. Tests run only where samples are small and a
p-value is the sensible guard against noise.

The data set is drifted when at least ``drift_share`` (default 0.5, as in
Evidently) of the counted columns drifted; the report states that rule next
to its verdict ("3 of 12 columns drifted, dataset drift needs 50%"). Columns
whose kind changed (numeric to text, say) count as drifted. Columns only in
the reference (a target kept in the training snapshot, absent from a
features-only batch) are reported apart (``report.missing_columns``) and not
counted, unless ``missing="drift"``; columns only in the current data
(``report.new_columns``) are never counted; all-null and unsupported (list,
struct) columns are reported as skipped. ``fail_on="column"`` makes
``report.failed`` (and the CLI's exit code) true on any drifted column rather
than only on a drifted data set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgument
from ..store.snapshots import SnapshotInfo
from .drift_report import COLUMNS, FAIL_ON, MISSING_MODES, DriftReport
from .frames import to_table
from .profile import (
    GRID_PROBS,
    BasicProfile,
    CategoricalProfile,
    ColumnProfile,
    NumericProfile,
    TableProfile,
    profile_table,
)

SMALL_N = 1000
NOISE_FLOOR_K = 3.0  # see noise_floor
DRIFT_SHARE = 0.5
THRESHOLDS: dict[str, float] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
P_VALUE_METHODS = frozenset({"ks", "chisquare"})
NUMERIC_METHODS = ("auto", "ks", "wasserstein", "psi")
CATEGORICAL_METHODS = ("auto", "chisquare", "jensenshannon", "psi")
PSI_EPS = 1e-4


# -- statistics -------------------------------------------------------------------
def _scale(ref: NumericProfile) -> float:
    """The reference's standard deviation; a constant reference falls back to |mean| or 1."""
    std = ref.std
    if std > 0 and math.isfinite(std):
        return std
    return abs(ref.mean) if ref.mean else 1.0


def wasserstein(ref: NumericProfile, cur: NumericProfile) -> float:
    """Wasserstein-1 distance divided by the reference std (exact when values are kept)."""
    if ref.values is not None and cur.values is not None:
        from scipy import stats

        w = stats.wasserstein_distance(ref.values, cur.values)
    else:
        w = float(np.mean(np.abs(ref.quantiles(GRID_PROBS) - cur.quantiles(GRID_PROBS))))
    return float(w / _scale(ref))


# scipy.stats (about 60 MB of a fresh process) is imported by the small-sample
# statistics only, when first needed.
def ks_pvalue(ref: NumericProfile, cur: NumericProfile) -> float:
    from scipy import stats

    return float(stats.ks_2samp(ref.values, cur.values).pvalue)


def _psi(r: np.ndarray, c: np.ndarray) -> float:
    p = np.clip(r / r.sum(), PSI_EPS, None)
    q = np.clip(c / c.sum(), PSI_EPS, None)
    return float(np.sum((q - p) * np.log(q / p)))


def numeric_psi(ref: NumericProfile, cur: NumericProfile) -> float:
    return _psi(np.asarray(ref.hist, dtype=float), cur.hist_on(ref.edges))


def category_table(
    ref: CategoricalProfile, cur: CategoricalProfile
) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Aligned counts over the union of categories (plus "other" when either side is capped)."""
    r, c = ref.as_dict(), cur.as_dict()
    keys = list(r) + [k for k in c if k not in r]
    rc = np.array([r.get(k, 0) for k in keys], dtype=float)
    cc = np.array([c.get(k, 0) for k in keys], dtype=float)
    if ref.other or cur.other:
        keys.append("(other)")
        rc = np.append(rc, ref.other)
        cc = np.append(cc, cur.other)
    return keys, rc, cc


def chisquare_pvalue(rc: np.ndarray, cc: np.ndarray) -> float:
    keep = (rc + cc) > 0
    table = np.vstack([rc[keep], cc[keep]])
    if table.shape[1] < 2:
        return 1.0
    from scipy import stats

    return float(stats.chi2_contingency(table, correction=False).pvalue)


def js_distance(rc: np.ndarray, cc: np.ndarray) -> float:
    """scipy's ``jensenshannon`` (natural log), step for step, with only scipy.special loaded."""
    from scipy.special import rel_entr

    p, q = rc / rc.sum(), cc / cc.sum()
    p, q = p / np.sum(p, axis=0, keepdims=True), q / np.sum(q, axis=0, keepdims=True)
    m = (p + q) / 2.0
    js = np.sum(rel_entr(p, m), axis=0) + np.sum(rel_entr(q, m), axis=0)
    return float(np.sqrt(js / 2.0))


# -- one column -----------------------------------------------------------------------
def _row(column: str, kind: str, method: str, **kw: Any) -> dict[str, Any]:
    row = {
        "column": column,
        "kind": kind,
        "method": method,
        "statistic": float("nan"),
        "threshold": float("nan"),
        "drifted": False,
        "n_reference": 0,
        "n_current": 0,
        "missing_reference": float("nan"),
        "missing_current": float("nan"),
        "note": "",
    }
    row.update(kw)
    return row


def _missing_rate(p: ColumnProfile) -> float:
    return p.missing / p.count if p.count else float("nan")


def _n(p: ColumnProfile) -> int:
    if isinstance(p, NumericProfile):
        return p.n
    return p.count - p.nulls


def _pick(kind: str, method: str, small: bool) -> str:
    if method != "auto":
        return method
    if kind == "categorical":
        return "chisquare" if small else "jensenshannon"
    return "ks" if small else "wasserstein"


def compare_column(
    name: str,
    ref: ColumnProfile,
    cur: ColumnProfile,
    *,
    method: str = "auto",
    thresholds: Mapping[str, float] = THRESHOLDS,
    ref_type: str = "",
    cur_type: str = "",
) -> dict[str, Any]:
    """One row of the report: the method, statistic, threshold and verdict for a column."""
    base = {
        "n_reference": _n(ref),
        "n_current": _n(cur),
        "missing_reference": _missing_rate(ref),
        "missing_current": _missing_rate(cur),
    }
    if ref.kind != cur.kind:
        note = f"type changed: {ref_type or ref.kind} -> {cur_type or cur.kind}"
        return _row(name, ref.kind, "type change", drifted=True, note=note, **base)
    note = (
        f"type {ref_type} -> {cur_type}" if ref_type and cur_type and ref_type != cur_type else ""
    )
    if isinstance(ref, BasicProfile):
        why = "all values null" if ref.kind == "null" else f"unsupported type {ref_type}"
        return _row(name, ref.kind, "skipped", note=why, **base)
    if base["n_reference"] == 0 or base["n_current"] == 0:
        side = "reference" if base["n_reference"] == 0 else "current"
        return _row(name, ref.kind, "skipped", note=f"no values in {side}", **base)
    small = base["n_reference"] <= SMALL_N and base["n_current"] <= SMALL_N
    chosen = _pick("categorical" if ref.kind == "categorical" else "numeric", method, small)
    chosen, stat, why = _statistic(chosen, ref, cur)
    note = "; ".join(n for n in (note, why) if n)
    threshold = float(thresholds[chosen])
    if chosen == "wasserstein":
        floor = noise_floor(base["n_reference"], base["n_current"])
        if floor > threshold:
            threshold = floor
            note = "; ".join(n for n in (note, _floor_note(floor, base)) if n)
    drifted = stat < threshold if chosen in P_VALUE_METHODS else stat >= threshold
    return _row(
        name,
        ref.kind,
        chosen,
        statistic=stat,
        threshold=threshold,
        drifted=bool(drifted),
        note=note,
        **base,
    )


def noise_floor(n_reference: int, n_current: int) -> float:
    """The normalised Wasserstein distance two samples of one distribution reach by chance.

    It falls as ``1 / sqrt(n)`` of the effective sample size: 99% of pairs stay
    under ``3 / sqrt(n_eff)`` (simulated for normal, exponential, log-normal and
    uniform data). Below about 900 effective values that is above 0.1, so a
    small monitoring window against a large reference would alarm on noise.
    """
    n_eff = n_reference * n_current / (n_reference + n_current)
    return NOISE_FLOOR_K / math.sqrt(n_eff)


def _floor_note(floor: float, base: dict[str, Any]) -> str:
    return (
        f"threshold raised to {floor:.2g}: samples of {base['n_current']:,} and "
        f"{base['n_reference']:,} values of one distribution differ this much by chance"
    )


def _statistic(chosen: str, ref: ColumnProfile, cur: ColumnProfile) -> tuple[str, float, str]:
    """(method used, statistic, note): ks falls back to wasserstein when values were not kept."""
    if isinstance(ref, NumericProfile):
        assert isinstance(cur, NumericProfile)
        if chosen == "ks" and (ref.values is None or cur.values is None):
            return "wasserstein", wasserstein(ref, cur), "too large for ks"
        if chosen == "ks":
            return chosen, ks_pvalue(ref, cur), ""
        if chosen == "wasserstein":
            return chosen, wasserstein(ref, cur), ""
        return chosen, numeric_psi(ref, cur), ""
    assert isinstance(ref, CategoricalProfile) and isinstance(cur, CategoricalProfile)
    _, rc, cc = category_table(ref, cur)
    if chosen == "chisquare":
        return chosen, chisquare_pvalue(rc, cc), ""
    if chosen == "jensenshannon":
        return chosen, js_distance(rc, cc), ""
    return chosen, _psi(rc, cc), ""


# -- sides ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Side:
    label: str
    profile: TableProfile


def _is_ref(x: Any) -> bool:
    return isinstance(x, (str, SnapshotInfo)) or (isinstance(x, int) and not isinstance(x, bool))


def _stored_side(ref: Any) -> _Side:
    from .snapshot import get_profile, get_snapshot

    info = get_snapshot(ref)
    return _Side(info.ref, get_profile(info))


def _frame_side(data: Any, argument: str, edges: Mapping | None, label: str) -> _Side:
    from .dask_source import is_dask_frame

    if is_dask_frame(data):  # one profile per partition, on the workers
        from .dask_source import profile_dask

        return _Side(label, profile_dask(data, None if edges is None else dict(edges)))
    table = to_table(data, argument, pandas_metadata=False)
    # Used for this comparison only: answered by exact grids, no sketches needed.
    return _Side(label, profile_table(table, edges=dict(edges or {}), sketches=False))


def _resolve_sides(
    reference: Any, current: Any, labels: Sequence[str] | None
) -> tuple[_Side, _Side]:
    ref_label, cur_label = labels or ("reference frame", "current frame")
    ref = (
        _stored_side(reference)
        if _is_ref(reference)
        else _frame_side(reference, "reference", None, ref_label)
    )
    if _is_ref(current):
        cur = _stored_side(current)
    else:
        cur = _frame_side(current, "current", ref.profile.edges(), cur_label)
    return ref, cur


def _check_method(argument: str, method: str, allowed: Sequence[str]) -> None:
    if method not in allowed:
        raise InvalidArgument(argument, "one of " + ", ".join(allowed), method)


def _one_side_row(name: str, p: ColumnProfile, side: str, missing: str) -> dict[str, Any]:
    """The row of a column only in the reference (``side="missing"``) or only in the current data."""
    if side == "new":
        return _row(
            name,
            p.kind,
            "new",
            note="not in reference",
            n_current=_n(p),
            missing_current=_missing_rate(p),
        )
    return _row(
        name,
        p.kind,
        "missing",
        drifted=missing == "drift",
        note="not in current" + ("" if missing == "drift" else " (not counted)"),
        n_reference=_n(p),
        missing_reference=_missing_rate(p),
    )


def _rows(
    rp: TableProfile, cp: TableProfile, names: Sequence[str], methods: tuple[str, str], **kw: Any
) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        if name not in cp.columns:
            rows.append(_one_side_row(name, rp.columns[name], "missing", kw["missing"]))
        elif name not in rp.columns:
            rows.append(_one_side_row(name, cp.columns[name], "new", kw["missing"]))
        else:
            p = rp.columns[name]
            rows.append(
                compare_column(
                    name,
                    p,
                    cp.columns[name],
                    method=methods[0] if isinstance(p, NumericProfile) else methods[1],
                    thresholds=kw["thresholds"],
                    ref_type=rp.types.get(name, ""),
                    cur_type=cp.types.get(name, ""),
                )
            )
    return rows


def drift_limits(thresholds: Mapping[str, float] | None) -> dict[str, float]:
    """The default threshold of each method with ``thresholds`` applied (unknown methods refused)."""
    limits = dict(THRESHOLDS)
    for key, value in (thresholds or {}).items():
        if key not in THRESHOLDS:
            raise InvalidArgument("thresholds", "keys among " + ", ".join(THRESHOLDS), key)
        limits[key] = float(value)
    return limits


def drift(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[str] | None = None,
    numeric_method: str = "auto",
    categorical_method: str = "auto",
    thresholds: Mapping[str, float] | None = None,
    drift_share: float = DRIFT_SHARE,
    labels: Sequence[str] | None = None,
    missing: str = "ignore",
    fail_on: str = "dataset",
) -> DriftReport:
    """Compare ``current`` to ``reference`` column by column (see the module doc for defaults).

    Each side is a snapshot reference ('train@latest', an id, a SnapshotInfo)
    or a frame. ``thresholds`` overrides the per-method thresholds in
    ``THRESHOLDS``; ``drift_share`` is the share of drifted columns at which
    the data set counts as drifted. ``labels`` names frame sides in the report
    (snapshots are always named by their reference). ``missing`` is
    ``"ignore"`` (columns only in the reference are reported, not counted) or
    ``"drift"`` (they count as drifted); ``fail_on`` is ``"dataset"`` or
    ``"column"`` (``report.failed`` on any drifted column).
    """
    _check_method("numeric_method", numeric_method, NUMERIC_METHODS)
    _check_method("categorical_method", categorical_method, CATEGORICAL_METHODS)
    _check_method("missing", missing, MISSING_MODES)
    _check_method("fail_on", fail_on, FAIL_ON)
    limits = drift_limits(thresholds)
    if not (isinstance(drift_share, (int, float)) and 0 < drift_share <= 1):
        raise InvalidArgument("drift_share", "a number in (0, 1]", drift_share)
    if labels is not None and (len(labels) != 2 or not all(isinstance(x, str) for x in labels)):
        raise InvalidArgument("labels", "two strings (reference, current)", labels)
    ref, cur = _resolve_sides(reference, current, labels)
    rp, cp = ref.profile, cur.profile
    names = list(rp.columns) + [c for c in cp.columns if c not in rp.columns]
    if columns is not None:
        unknown = sorted(set(columns) - set(names))
        if unknown:
            raise InvalidArgument("columns", "columns of the reference or current data", unknown)
        names = [n for n in names if n in set(columns)]
    methods = (numeric_method, categorical_method)
    rows = _rows(rp, cp, names, methods, thresholds=limits, missing=missing)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    not_counted = ["new", "skipped"] + (["missing"] if missing == "ignore" else [])
    counted = frame[~frame["method"].isin(not_counted)]
    share = float(counted["drifted"].mean()) if len(counted) else 0.0
    return DriftReport(
        reference=ref.label,
        current=cur.label,
        drifted=bool(len(counted) and share >= drift_share),
        share=share,
        drift_share=float(drift_share),
        columns=frame,
        reference_profile=rp,
        current_profile=cp,
        missing=missing,
        fail_on=fail_on,
    )
