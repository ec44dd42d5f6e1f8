"""The gate language: one parser and one :class:`Gate` for alias moves and pipeline runs.

A gate is ``METRIC OP VALUE``: ``OP`` is one of ``>= > <= < ==``; ``VALUE`` is a
number (``0.8``, ``-1``, ``1e-3``) or ``current``, optionally plus or minus a
number (``current - 0.01``). ``current`` is the metric of the model version
that holds the alias now, so it means something only when an alias moves;
pipeline gates compare the run's metrics with numbers (``pipeline.spec``
refuses ``current``).

:func:`parse_gates` takes every form a face or a file holds:

- a text: ``"accuracy >= current; f1>=0.8"``, gates separated by ``;`` or new
  lines (blank pieces are skipped, so a blank text holds no gates);
- a sequence of such texts (each must hold at least one gate) or of ``Gate``;
- a mapping ``{metric: rule}``: ``{"accuracy": ">= current - 0.01"}``;
- ``None``: no gates.

Every refusal is one :class:`InvalidArgument` that names the argument, quotes
the text it could not read and says what a gate looks like. This module is
pure: no store, no face.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidArgument

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
GATE_EXPECTED = (
    "a gate METRIC OP VALUE (OP one of >= > <= < ==; VALUE a number, or current "
    "optionally +/- a number), e.g. 'accuracy >= current', 'f1>=0.8' or "
    "'loss < current - 0.01'; several separated by ';' or new lines"
)
RULE_EXPECTED = "a rule like '>= 0.8', '> current' or '>= current - 0.01'"

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_METRIC = re.compile(r"^[A-Za-z0-9_\-.:/ ]+$")  # the characters a metric key may hold
_OP = re.compile(r"(>=|<=|==|=>|=<|!=|>|<|=)")
_RULE = re.compile(
    rf"^\s*(>=|<=|==|>|<)\s*(current|{_NUMBER})"
    r"\s*(?:([-+])\s*((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?\s*$"
)
_SPLIT = re.compile(r"[;\n]")


@dataclass(frozen=True)
class Gate:
    """``metric op value``, or ``metric op current + value`` when ``current`` is true."""

    metric: str
    op: str
    value: float  # the threshold, or the offset added to the current value
    current: bool = False  # compare with the model version holding the alias now

    @classmethod
    def parse(cls, text: str, argument: str = "gate") -> Gate:
        """Exactly one gate from ``text`` (``"accuracy >= 0.9"``)."""
        gates = parse_gates(text, argument)
        if len(gates) != 1:
            raise InvalidArgument(argument, "exactly one gate: " + GATE_EXPECTED, text)
        return gates[0]

    @property
    def rule(self) -> str:
        """The part after the metric, written one way: ``>= 0.8``, ``< current - 0.01``."""
        if not self.current:
            return f"{self.op} {self.value:g}"
        if self.value:
            return f"{self.op} current {'+' if self.value > 0 else '-'} {abs(self.value):g}"
        return f"{self.op} current"

    def __str__(self) -> str:
        return f"{self.metric} {self.rule}"

    def threshold(self, current: Mapping[str, float] | None = None) -> float | None:
        """The number the metric is compared with (``None``: current lacks the metric)."""
        if not self.current:
            return self.value
        if current is None:
            raise InvalidArgument(
                "current",
                f"for {self}, the metrics of the version holding the alias ('current' only has a "
                "meaning when an alias moves)",
            )
        ref = current.get(self.metric)
        if ref is None or math.isnan(ref):
            return None
        return ref + self.value

    def check(
        self, metrics: Mapping[str, float], current: Mapping[str, float] | None = None
    ) -> tuple[bool, float | None]:
        """(passed, observed); a metric not logged (or NaN) on either side fails the gate."""
        observed = metrics.get(self.metric)
        if observed is None or math.isnan(observed):
            return False, observed
        threshold = self.threshold(current)
        if threshold is None:
            return False, observed
        return OPS[self.op](observed, threshold), observed


GateSpec = str | Gate | Sequence[str | Gate] | Mapping[str, str] | None
"""What :func:`parse_gates` reads (and ``promote_model(require=)``, ``promote_notebook(gates=)``)."""


def make_gate(metric: object, op: object, value: object, *, argument: str = "gate") -> Gate:
    """A numeric gate from its parts (``pipeline.yaml``'s ``{metric, op, value}``), checked."""
    got = {"metric": metric, "op": op, "value": value}
    if not isinstance(metric, str) or not metric.strip() or not _METRIC.match(metric):
        raise InvalidArgument(argument, "{metric, op, value} with a metric name", got)
    if op not in OPS:
        raise InvalidArgument(argument, "{metric, op, value} with op one of >= > <= < ==", got)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidArgument(argument, "{metric, op, value} with a numeric value", got)
    try:
        number = float(value)
    except ValueError:
        raise InvalidArgument(argument, "{metric, op, value} with a numeric value", got) from None
    if not math.isfinite(number):
        raise InvalidArgument(argument, "{metric, op, value} with a finite value", got)
    return Gate(metric.strip(), op, number)


def parse_rule(metric: str, rule: object, argument: str = "require") -> Gate:
    """One gate from a mapping entry: ``("accuracy", ">= current - 0.01")``."""
    if not isinstance(metric, str) or not metric.strip() or not _METRIC.match(metric):
        raise InvalidArgument(argument, "metric names as keys", metric)
    where = f"{argument}[{metric!r}]"
    m = _RULE.match(rule) if isinstance(rule, str) else None
    if m is None:
        raise InvalidArgument(where, RULE_EXPECTED, rule)
    op, rhs, sign, offset = m.groups()
    if rhs != "current":
        if offset:
            raise InvalidArgument(where, "an offset only after 'current'", rule)
        return Gate(metric.strip(), op, float(rhs))
    delta = float(offset or 0.0)
    return Gate(metric.strip(), op, -delta if sign == "-" else delta, current=True)


def _unquote(text: str) -> str:
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


def _parse_one(piece: str, argument: str) -> Gate:
    text = _unquote(piece.strip())
    found = _OP.search(text)
    if found is None:
        raise InvalidArgument(argument, GATE_EXPECTED, text, hint="It has no comparison operator")
    if found.group(1) in ("=>", "=<", "!=", "="):
        raise InvalidArgument(
            argument, GATE_EXPECTED, text, hint=f"{found.group(1)!r} is not an operator"
        )
    metric = text[: found.start()].strip()
    if not metric or not _METRIC.match(metric):
        raise InvalidArgument(
            argument, GATE_EXPECTED, text, hint="It has no metric name before the operator"
        )
    try:
        return parse_rule(metric, text[found.start() :], argument)
    except InvalidArgument as exc:
        hint = f"After the metric, expected {exc.expected}"
        raise InvalidArgument(argument, GATE_EXPECTED, text, hint=hint) from None


def _parse_text(text: str, argument: str) -> list[Gate]:
    return [_parse_one(p, argument) for p in _SPLIT.split(text) if p.strip()]


def _parse_items(items: Iterable[object], argument: str) -> list[Gate]:
    gates: list[Gate] = []
    for item in items:
        if isinstance(item, Gate):
            gates.append(item)
        elif isinstance(item, str):
            found = _parse_text(item, argument)
            if not found:
                raise InvalidArgument(argument, GATE_EXPECTED, item)
            gates.extend(found)
        else:
            raise InvalidArgument(argument, "gates as text (or Gate objects)", item)
    return gates


def parse_gates(spec: object, argument: str = "require") -> list[Gate]:
    """Every gate in ``spec`` (text, sequence of texts or Gates, mapping, ``Gate``, ``None``).

    ``argument`` is the name the caller's user typed (``--require``, ``gates``),
    so the error names it.
    """
    if spec is None:
        return []
    if isinstance(spec, Gate):
        return [spec]
    if isinstance(spec, str):
        return _parse_text(spec, argument)
    if isinstance(spec, Mapping):
        return [parse_rule(k, v, argument) for k, v in spec.items()]
    if isinstance(spec, (list, tuple)):
        return _parse_items(spec, argument)
    raise InvalidArgument(
        argument,
        "gates as text ('accuracy >= current; f1 >= 0.8'), a list of texts or a "
        "mapping {metric: rule}",
        type(spec).__name__,
    )
