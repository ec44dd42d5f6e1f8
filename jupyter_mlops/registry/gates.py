"""Gated promotion: move an alias only when the candidate's metrics pass every gate.

The gates are written in the one gate language of :mod:`.gate_rules`
(``"accuracy >= current; f1 >= 0.8"``, a list of such texts, or a mapping
``{metric: rule}``). A rule compares the candidate version's run metric with a
number or with the metric of the version that holds the alias now
(``current``). Failing gates refuse the move with a table; ``force=True`` with
a reason moves anyway and the event records it as forced, with the gates it
overrode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument, MlopsError
from ..store import get_store
from ..store import models as model_store
from . import changes
from .gate_rules import Gate, GateSpec, parse_gates, parse_rule
from .uri import check_alias, check_model_name, check_version

__all__ = [
    "Gate",
    "GateCheck",
    "GateFailed",
    "ModelPromotion",
    "evaluate",
    "gate_table",
    "parse_gate",
    "parse_gates",
    "promote",
    "promote_model",
]

parse_gate = parse_rule  # one mapping entry: parse_gate("accuracy", ">= current")


@dataclass(frozen=True)
class GateCheck:
    metric: str
    rule: str
    candidate: float | None
    threshold: float | None
    passed: bool
    detail: str = ""
    interval: tuple[float, float] | None = None  # with on=: the paired or the candidate's interval
    slice: str = ""  # with on=: the slice the gate read


def _metrics(run_id: str | None) -> dict[str, float] | None:
    if run_id is None:
        return None
    from ..tracking.api import get_run  # flushes the run's buffered points if it is live here

    return get_run(run_id).metrics


def evaluate(
    gates: list[Gate],
    candidate: dict[str, float] | None,
    current: dict[str, float] | None,
    current_version: int | None,
) -> list[GateCheck]:
    """One check per gate; ``current`` holds the metrics of ``current_version`` (the alias now)."""
    for g in gates:
        if g.needs_evaluation:
            raise InvalidArgument(
                "require",
                "gates on run metrics: a slice or max_slice_gap gate reads an evaluation, so it "
                "needs on=SNAPSHOT (promote_model(..., on='holdout@latest'), --on REF)",
                str(g),
            )
    return [_check(g, candidate, current, current_version) for g in gates]


def _check(
    g: Gate,
    candidate: dict[str, float] | None,
    current: dict[str, float] | None,
    current_version: int | None,
) -> GateCheck:
    value = None if candidate is None else candidate.get(g.metric)
    if value is None or math.isnan(value):
        why = "the candidate has no run" if candidate is None else f"candidate has no {g.metric}"
        return GateCheck(g.metric, g.rule, value, None, False, why)
    if not g.current:
        return GateCheck(g.metric, g.rule, value, g.value, g.check(candidate)[0])
    if current_version is None:
        return GateCheck(g.metric, g.rule, value, None, True, "no version holds the alias")
    threshold = g.threshold(current or {})
    if threshold is None:
        why = f"current version {current_version} has no {g.metric}"
        return GateCheck(g.metric, g.rule, value, None, False, why)
    passed = g.check(candidate, current or {})[0]
    return GateCheck(
        g.metric, g.rule, value, threshold, passed, f"current is version {current_version}"
    )


def _span(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f"[{interval[0]:.4g}, {interval[1]:.4g}]"


def gate_table(results: list[GateCheck]) -> str:
    """The gates as a text table; ``interval`` and ``slice`` columns when a gate has them."""
    from ..text_table import table

    head = ["metric", "rule", "candidate", "threshold", "result", "detail"]
    rows = [
        [r.metric, r.rule, r.candidate, r.threshold, "pass" if r.passed else "FAIL", r.detail]
        for r in results
    ]
    if any(r.interval is not None or r.slice for r in results):
        head[4:4] = ["interval", "slice"]
        for row, r in zip(rows, results, strict=True):
            row[4:4] = [_span(r.interval), r.slice]
    return table([tuple(r) for r in rows], head, max_width=60)


class GateFailed(MlopsError):
    """The candidate failed one or more gates; ``results`` holds every gate."""

    def __init__(self, name: str, version: int, alias: str, results: list[GateCheck]) -> None:
        self.results = results
        failed = [r for r in results if not r.passed]
        super().__init__(
            f"{name}/{version} not promoted to {alias!r}: {len(failed)} gate(s) failed "
            f"(force=True with a reason overrides)\n{gate_table(results)}"
        )


@dataclass(frozen=True)
class ModelPromotion:
    name: str
    version: int
    alias: str
    from_version: int | None
    results: tuple[GateCheck, ...]
    forced: bool

    def _repr_html_(self) -> str:
        import html

        extra = any(r.interval is not None or r.slice for r in self.results)
        rows = "".join(
            f"<tr><td>{html.escape(r.metric)}</td><td>{html.escape(r.rule)}</td>"
            f"<td>{'' if r.candidate is None else f'{r.candidate:.6g}'}</td>"
            f"<td>{'' if r.threshold is None else f'{r.threshold:.6g}'}</td>"
            + (f"<td>{_span(r.interval)}</td><td>{html.escape(r.slice)}</td>" if extra else "")
            + f"<td>{'pass' if r.passed else '<b>FAIL</b>'}</td><td>{html.escape(r.detail)}</td></tr>"
            for r in self.results
        )
        head = (
            f"<p><b>{html.escape(self.name)}@{html.escape(self.alias)}</b>: "
            f"version {self.from_version or '–'} → {self.version}"
            f"{' (forced)' if self.forced else ''}</p>"
        )
        if not rows:
            return head
        return (
            head
            + "<table><tr><th>metric</th><th>rule</th><th>candidate</th><th>threshold</th>"
            + ("<th>interval</th><th>slice</th>" if extra else "")
            + f"<th>result</th><th>detail</th></tr>{rows}</table>"
        )


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _gate_payload(results: list[GateCheck]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        item = {
            "metric": r.metric,
            "rule": r.rule,
            "candidate": _finite(r.candidate),
            "threshold": _finite(r.threshold),
            "passed": r.passed,
        }
        if r.interval is not None:
            item["interval"] = [_finite(x) for x in r.interval]
        if r.slice:
            item["slice"] = r.slice
        out.append(item)
    return out


def _check_versions(
    name: str, version: int, to: str, gates: list[Gate]
) -> tuple[int | None, list[GateCheck]]:
    """(the version ``name@to`` points at now, the checks of ``version`` against it)."""
    store = get_store()
    candidate = changes.would_be(name, version) or model_store.get_version(
        store, name, version=version
    )
    current_version = model_store.alias_version(store, name, to)
    current: model_store.ModelVersionInfo | None = None
    if current_version is not None:
        current = model_store.get_version(store, name, version=current_version)
    results = evaluate(
        gates,
        _metrics(candidate.run_id),
        _metrics(current.run_id) if current is not None else None,
        current_version,
    )
    return current_version, results


def _refuse(name: str, version: int, to: str, reason: str | None, results: list[GateCheck]):
    """Record the refusal (outside a dry run) and raise GateFailed."""
    if not changes.dry_run():
        model_store.record_refusal(
            get_store(),
            name,
            reason=reason,
            payload={"alias": to, "version": version, "gates": _gate_payload(results)},
        )
    raise GateFailed(name, version, to, results)


def _move(
    name: str,
    version: int,
    to: str,
    reason: str | None,
    current_version: int | None,
    results: list[GateCheck],
) -> ModelPromotion:
    failed = [r for r in results if not r.passed]
    if changes.dry_run():
        before = changes.would_move(name, to, version)
        return ModelPromotion(name, version, to, before, tuple(results), bool(failed))
    before = model_store.move_alias(
        get_store(),
        name,
        to,
        version,
        reason=reason,
        expect_from=current_version,
        payload={
            "via": "promote",
            "forced": bool(failed),
            "overridden": [r.metric for r in failed],
            "gates": _gate_payload(results),
        },
    )
    changes.moved(name, to, before, version)
    return ModelPromotion(name, version, to, before, tuple(results), bool(failed))


def promote_model(
    name: str,
    version: int,
    to: str = "production",
    require: GateSpec = None,
    *,
    force: bool = False,
    reason: str | None = None,
    on: str | None = None,
    target: str | None = None,
    tolerance: float = 0.0,
) -> ModelPromotion:
    """Move ``name@to`` to ``version`` if every gate in ``require`` passes, else raise GateFailed.

    ``require`` is anything :func:`~.gate_rules.parse_gates` reads: a text
    (``"accuracy >= current; f1 >= 0.8"``), a list of texts, a mapping
    ``{metric: rule}`` or ``Gate`` objects. Without ``on`` the gates read each
    version's run metrics. With ``on="holdout@latest"`` they read evaluations of
    both versions on that snapshot (``target`` the label column, found from the
    model's signature when it can tell; ``tolerance`` how much worse than
    current the paired interval may reach): see :mod:`.evaluation_gates`.
    ``mlops.promote`` is the same function.
    """
    check_model_name(name)
    check_alias(to)
    version = check_version(version)
    gates = parse_gates(require)
    if force and not (isinstance(reason, str) and reason.strip()):
        raise InvalidArgument("reason", "a reason when force=True (it is recorded)", reason)
    if on is None:
        for arg, value, unset in (("target", target, None), ("tolerance", tolerance, 0.0)):
            if value != unset:
                raise InvalidArgument(
                    arg, "on=SNAPSHOT too: it applies to gates on evaluations", value
                )
        current_version, results = _check_versions(name, version, to, gates)
    else:
        from .evaluation_gates import check_on

        current_version, results = check_on(
            name, version, to, gates, on=on, target=target, tolerance=tolerance
        )
    if not force and any(not r.passed for r in results):
        _refuse(name, version, to, reason, results)
    return _move(name, version, to, reason, current_version, results)


promote = promote_model  # the name it had first; documented as an alias
