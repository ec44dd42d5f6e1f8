"""Gated promotion: move an alias only when the candidate's metrics pass every gate.

A gate is ``metric: rule``. The rule compares the candidate version's run
metric with a number (``">= 0.8"``) or with the metric of the version that
holds the alias now (``">= current"``, ``">= current - 0.01"``). Failing gates
refuse the move with a table; ``force=True`` with a reason moves anyway and
the event records it as forced, with the gates it overrode.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import InvalidArgument, MlopsError
from ..store import get_store
from ..store import models as model_store
from ..store import runs as run_store
from ..store.events import record_event
from . import changes
from .uri import check_alias, check_model_name, check_version

_RULE = re.compile(
    r"^\s*(>=|<=|==|>|<)\s*(current|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"\s*(?:([-+])\s*(\d+\.?\d*|\.\d+))?\s*$"
)
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Gate:
    metric: str
    op: str
    current: bool  # compare with the version holding the alias now
    value: float  # the threshold, or the offset added to the current value

    @property
    def rule(self) -> str:
        if not self.current:
            return f"{self.op} {self.value:g}"
        if self.value:
            return f"{self.op} current {'+' if self.value > 0 else '-'} {abs(self.value):g}"
        return f"{self.op} current"


@dataclass(frozen=True)
class GateCheck:
    metric: str
    rule: str
    candidate: float | None
    threshold: float | None
    passed: bool
    detail: str = ""


def parse_gate(metric: str, rule: object) -> Gate:
    if not isinstance(metric, str) or not metric:
        raise InvalidArgument("require", "metric names as keys", metric)
    m = _RULE.match(rule) if isinstance(rule, str) else None
    if m is None:
        raise InvalidArgument(
            f"require[{metric!r}]",
            "a rule like '>= 0.8', '> current' or '>= current - 0.01'",
            rule,
        )
    op, rhs, sign, offset = m.groups()
    if rhs == "current":
        delta = float(offset or 0.0) * (-1 if sign == "-" else 1)
        return Gate(metric, op, True, delta)
    if offset:
        raise InvalidArgument(f"require[{metric!r}]", "an offset only after 'current'", rule)
    return Gate(metric, op, False, float(rhs))


def parse_gates(require: Mapping[str, str] | None) -> list[Gate]:
    if require is None:
        return []
    if not isinstance(require, Mapping):
        raise InvalidArgument("require", "a dict of metric: rule", type(require).__name__)
    return [parse_gate(k, v) for k, v in require.items()]


def _metrics(run_id: str | None) -> dict[str, float] | None:
    if run_id is None:
        return None
    from ..tracking.api import _flush_if_live

    _flush_if_live(run_id)
    return run_store.get_run_data(get_store(), run_id).metrics


def evaluate(
    gates: list[Gate],
    candidate: dict[str, float] | None,
    current: dict[str, float] | None,
    current_version: int | None,
) -> list[GateCheck]:
    results = []
    for g in gates:
        value = None if candidate is None else candidate.get(g.metric)
        if value is None or math.isnan(value):
            why = (
                "the candidate has no run" if candidate is None else f"candidate has no {g.metric}"
            )
            results.append(GateCheck(g.metric, g.rule, value, None, False, why))
            continue
        if g.current:
            if current_version is None:
                results.append(
                    GateCheck(g.metric, g.rule, value, None, True, "no version holds the alias")
                )
                continue
            ref = None if current is None else current.get(g.metric)
            if ref is None or math.isnan(ref):
                why = f"current version {current_version} has no {g.metric}"
                results.append(GateCheck(g.metric, g.rule, value, None, False, why))
                continue
            threshold = ref + g.value
            detail = f"current is version {current_version}"
        else:
            threshold, detail = g.value, ""
        ok = _OPS[g.op](value, threshold)
        results.append(GateCheck(g.metric, g.rule, value, threshold, ok, detail))
    return results


def gate_table(results: list[GateCheck]) -> str:
    from ..cli.output import table

    return table(
        [
            (r.metric, r.rule, r.candidate, r.threshold, "pass" if r.passed else "FAIL", r.detail)
            for r in results
        ],
        ["metric", "rule", "candidate", "threshold", "result", "detail"],
        max_width=60,
    )


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

        rows = "".join(
            f"<tr><td>{html.escape(r.metric)}</td><td>{html.escape(r.rule)}</td>"
            f"<td>{'' if r.candidate is None else f'{r.candidate:.6g}'}</td>"
            f"<td>{'' if r.threshold is None else f'{r.threshold:.6g}'}</td>"
            f"<td>{'pass' if r.passed else '<b>FAIL</b>'}</td><td>{html.escape(r.detail)}</td></tr>"
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
            head + "<table><tr><th>metric</th><th>rule</th><th>candidate</th><th>threshold</th>"
            f"<th>result</th><th>detail</th></tr>{rows}</table>"
        )


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def promote(
    name: str,
    version: int,
    to: str = "production",
    require: Mapping[str, str] | None = None,
    *,
    force: bool = False,
    reason: str | None = None,
) -> ModelPromotion:
    """Move ``name@to`` to ``version`` if every gate in ``require`` passes, else raise GateFailed."""
    check_model_name(name)
    check_alias(to)
    version = check_version(version)
    gates = parse_gates(require)
    if force and not (isinstance(reason, str) and reason.strip()):
        raise InvalidArgument("reason", "a reason when force=True (it is recorded)", reason)
    store = get_store()
    candidate = changes.would_be(name, version) or model_store.get_version(
        store, name, version=version
    )
    current_version = model_store.alias_version(store, name, to)
    current = None
    if current_version is not None:
        current = model_store.get_version(store, name, version=current_version)
    results = evaluate(
        gates,
        _metrics(candidate.run_id),
        _metrics(current.run_id) if current is not None else None,
        current_version,
    )
    failed = [r for r in results if not r.passed]
    gate_payload = [
        {
            "metric": r.metric,
            "rule": r.rule,
            "candidate": _finite(r.candidate),
            "threshold": _finite(r.threshold),
            "passed": r.passed,
        }
        for r in results
    ]
    if failed and not force and changes.dry_run():
        raise GateFailed(name, version, to, results)
    if failed and not force:
        with store.db.session(write=True) as s:
            record_event(
                s,
                "model.promotion_refused",
                model_store.ENTITY,
                name,
                reason=reason,
                payload={"alias": to, "version": version, "gates": gate_payload},
            )
        raise GateFailed(name, version, to, results)
    if changes.dry_run():
        before = changes.would_move(name, to, version)
        return ModelPromotion(name, version, to, before, tuple(results), bool(failed))
    with store.db.session(write=True) as s:
        before = model_store.move_alias(
            s,
            name,
            to,
            version,
            reason=reason,
            expect_from=current_version,
            payload={
                "via": "promote",
                "forced": bool(failed),
                "overridden": [r.metric for r in failed],
                "gates": gate_payload,
            },
        )
    changes.moved(name, to, before, version)
    return ModelPromotion(name, version, to, before, tuple(results), bool(failed))
