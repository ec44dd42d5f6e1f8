"""Gates on evaluations: ``promote_model(..., on="holdout@latest", target="churned")``.

With ``on=`` a gate reads evaluations of the models on that one snapshot, not
the metrics each run happened to log. The candidate and the version holding
the alias are evaluated there (stored evaluations of the same model, snapshot
and parameters are reused) and paired by :func:`~jupyter_mlops.evaluation.compare_models`:

- ``accuracy >= current`` passes when the candidate is not significantly
  worse: the lower bound of the paired interval of (candidate - current) is at
  or above ``-tolerance`` (``<=``/``<`` read the upper bound, the mirror for
  lower-is-better metrics such as ``log_loss <= current``); an offset moves
  the bound (``>= current - 0.01``: the lower bound at or above -0.01 - tolerance);
- ``f1 >= 0.7`` compares the candidate's evaluated value with the number;
- ``f1[segment=smb] >= 0.7`` (or ``>= current``) reads one slice value;
- ``max_slice_gap(accuracy, segment) <= 0.05`` is the largest difference of
  the candidate's metric between the values of the column.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidArgument
from ..store import get_store
from ..store import models as model_store
from . import changes
from .gate_rules import OPS, Gate
from .gates import GateCheck

__all__ = ["check_on", "default_target"]


def _options(on: Any, tolerance: Any):
    from ..data.snapshot import get_snapshot

    if not isinstance(on, str) or not on.strip():
        raise InvalidArgument("on", "a snapshot reference, e.g. 'holdout@latest'", on)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise InvalidArgument("tolerance", "a non-negative number, e.g. 0.01", tolerance)
    if not math.isfinite(tolerance) or tolerance < 0:
        raise InvalidArgument("tolerance", "a non-negative number, e.g. 0.01", tolerance)
    return get_snapshot(on.strip())


def _check_gates(gates: list[Gate]) -> None:
    """Refuse, before anything is evaluated, gates that have no meaning on an evaluation."""
    from ..evaluation.metrics import CLASSIFIER_METRICS, LOWER_IS_BETTER, REGRESSOR_METRICS

    known = (*CLASSIFIER_METRICS, *REGRESSOR_METRICS)
    for g in gates:
        if g.metric not in known:
            raise InvalidArgument(
                "require", f"a metric an evaluation has ({', '.join(known)})", g.term
            )
        if g.function is not None and g.current:
            raise InvalidArgument(
                "require", f"a number after the operator: {g.function} compares with one", str(g)
            )
        lower = g.metric in LOWER_IS_BETTER
        if g.current and g.op != "==" and (g.op in ("<=", "<")) != lower:
            better = "<=" if lower else ">="
            raise InvalidArgument(
                "require",
                f"'{g.term} {better} current' ({g.metric} is "
                f"{'lower' if lower else 'higher'}-is-better)",
                str(g),
            )


def default_target(name: str, version: int, info: Any, slices: list[str]) -> str:
    """The one snapshot column neither an input of the model's signature nor a slice, else an error."""
    from .signature import Signature

    mv = model_store.get_version(get_store(), name, version=version)
    inputs = Signature.from_dict(mv.signature).columns
    left = [c for c in info.columns if c not in inputs and c not in slices]
    if inputs and len(left) == 1:
        return left[0]
    raise InvalidArgument(
        "target",
        f"the target column of {info.ref} (target=..., --target COL): the model's signature "
        f"does not tell which of {left} it is",
        None,
    )


def check_on(
    name: str,
    version: int,
    to: str,
    gates: list[Gate],
    *,
    on: Any,
    target: str | None,
    tolerance: float,
) -> tuple[int | None, list[GateCheck]]:
    """(the version ``name@to`` points at now, the checks of ``version`` on the snapshot ``on``)."""
    from ..evaluation import compare_models, evaluate

    info = _options(on, tolerance)
    if changes.would_be(name, version) is not None:
        raise InvalidArgument(
            "on", "a registered version (a dry run's would-be version cannot be evaluated)", on
        )
    _check_gates(gates)
    slices = sorted({g.column for g in gates if g.column is not None})
    target = default_target(name, version, info, slices) if target is None else target
    current = model_store.alias_version(get_store(), name, to)
    candidate = f"{name}/{version}"
    if current is None:
        cmp, ev = None, evaluate(candidate, info.ref, target, slices)
    else:
        cmp = compare_models(f"{name}/{current}", candidate, info.ref, target, slices)
        ev = cmp.evaluations[1]
    where = {"snapshot": info.ref, "current": current, "tolerance": float(tolerance)}
    return current, [_check(g, ev, cmp, where) for g in gates]


def _slice_row(rows: list[dict[str, Any]], g: Gate, snapshot: str) -> dict[str, Any]:
    found = next((r for r in rows if r["value"] == g.slice_value), None)
    if found is None:
        values = ", ".join(str(r["value"]) for r in rows)
        raise InvalidArgument(
            "require", f"a value of {g.column} in {snapshot} ({values})", g.slice_value
        )
    return found


def _record(metrics: dict[str, Any], g: Gate) -> dict[str, Any]:
    if g.metric not in metrics:
        raise InvalidArgument(
            "require", f"a metric the evaluation has ({', '.join(metrics)})", g.term
        )
    return metrics[g.metric]


def _check(g: Gate, ev: Any, cmp: Any, where: dict[str, Any]) -> GateCheck:
    if g.function is not None:
        return _gap(g, ev, where["snapshot"])
    label = "" if g.column is None else f"{g.column}={g.slice_value}"
    if g.column is None:
        rec = _record(ev.metrics, g)
    else:
        row = _slice_row(ev.slices[g.column], g, where["snapshot"])
        rec, label = _record(row["metrics"], g), f"{label} ({row['n']} rows)"
    value, interval = rec["value"], _interval(rec)
    if not g.current:
        if value is None:
            return GateCheck(
                g.term, g.rule, None, g.value, False, "undefined here", interval, label
            )
        return GateCheck(
            g.term, g.rule, value, g.value, OPS[g.op](value, g.value), "", interval, label
        )
    if cmp is None:
        return GateCheck(
            g.term, g.rule, value, None, True, "no version holds the alias", None, label
        )
    if g.column is None:
        diff = cmp.differences[g.metric]
    else:
        diff = _slice_row(cmp.slices[g.column], g, where["snapshot"])["differences"][g.metric]
    return _against_current(g, value, diff, where, label)


def _against_current(
    g: Gate, value: float | None, diff: dict[str, Any], where: dict[str, Any], label: str
) -> GateCheck:
    """The paired interval of (candidate - current) against the rule, widened by ``tolerance``."""
    base = f"candidate - version {where['current']}"
    threshold = None if diff["champion"] is None else diff["champion"] + g.value
    if diff["low"] is None:
        why = diff.get("note") or "no interval"
        return GateCheck(g.term, g.rule, value, threshold, False, f"{base}: {why}", None, label)
    low, high, tol = diff["low"], diff["high"], where["tolerance"]
    lo_ok = OPS[">=" if g.op in (">=", "==") else ">"](low, g.value - tol)
    hi_ok = OPS["<=" if g.op in ("<=", "==") else "<"](high, g.value + tol)
    passed = {"<=": hi_ok, "<": hi_ok, "==": lo_ok and hi_ok}.get(g.op, lo_ok)
    side = {"<=": "high", "<": "high"}.get(g.op, "low")
    bound = g.value + tol if side == "high" else g.value - tol
    detail = f"{base} in [{low:.4g}, {high:.4g}]; needs {side} {g.op} {bound:.4g}"
    if g.op == "==":
        detail = f"{base} in [{low:.4g}, {high:.4g}]; needs it within {g.value:g} ± {tol:g}"
    return GateCheck(g.term, g.rule, value, threshold, passed, detail, (low, high), label)


def _interval(rec: dict[str, Any]) -> tuple[float, float] | None:
    return None if rec.get("low") is None else (rec["low"], rec["high"])


def _gap(g: Gate, ev: Any, snapshot: str) -> GateCheck:
    """max - min of the candidate's metric over the values of the column (values with a value)."""
    rows = ev.slices[g.column]
    values = [(r["value"], _record(r["metrics"], g)["value"]) for r in rows]
    values = [(v, x) for v, x in values if x is not None]
    if len(values) < 2:
        why = f"{g.column} has fewer than 2 values with a {g.metric} in {snapshot}"
        return GateCheck(g.term, g.rule, None, g.value, False, why, None, g.column)
    lo, hi = min(values, key=lambda t: t[1]), max(values, key=lambda t: t[1])
    gap = hi[1] - lo[1]
    label = f"{g.column}: {lo[0]} {lo[1]:.4g} .. {hi[0]} {hi[1]:.4g}"
    return GateCheck(g.term, g.rule, gap, g.value, OPS[g.op](gap, g.value), "", None, label)
