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

With ``promote_model(on="holdout@latest")`` a gate reads an evaluation of the
model on that snapshot instead of its run's metrics, and the metric may also
be ``f1[segment=smb]`` (the metric of one slice value) or
``max_slice_gap(accuracy, segment)`` (the largest difference of the metric
between the values of a slice column). The operator is searched for outside
brackets and parentheses, so the ``=`` inside ``[segment=smb]`` is part of the
metric.

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
_NAME = r"[A-Za-z0-9_\-.:/ ]+?"
_SLICE = re.compile(rf"^\s*({_NAME})\s*\[\s*({_NAME})\s*=\s*([^\[\]=]+?)\s*\]\s*$")
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$")
FUNCTIONS = {"max_slice_gap": "max_slice_gap(METRIC, COLUMN)"}
TERM_EXPECTED = (
    "a metric name, METRIC[COLUMN=VALUE] (one slice value) or "
    "max_slice_gap(METRIC, COLUMN), e.g. 'accuracy', 'f1[segment=smb]', "
    "'max_slice_gap(accuracy, segment)'"
)


@dataclass(frozen=True)
class Gate:
    """``metric op value``, or ``metric op current + value`` when ``current`` is true."""

    metric: str
    op: str
    value: float  # the threshold, or the offset added to the current value
    current: bool = False  # compare with the model version holding the alias now
    column: str | None = None  # metric[column=slice_value], or the column of a function
    slice_value: str | None = None
    function: str | None = None  # "max_slice_gap"

    @property
    def term(self) -> str:
        """The metric as written: ``accuracy``, ``f1[segment=smb]``, ``max_slice_gap(f1, segment)``."""
        if self.function is not None:
            return f"{self.function}({self.metric}, {self.column})"
        if self.column is not None:
            return f"{self.metric}[{self.column}={self.slice_value}]"
        return self.metric

    @property
    def needs_evaluation(self) -> bool:
        """A slice or function gate: it reads an evaluation, so only ``promote_model(on=)``."""
        return self.column is not None

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
        return f"{self.term} {self.rule}"

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


def parse_term(text: str) -> dict[str, str]:
    """The parts of a metric as written: ``{"metric"}``, plus ``column`` and ``slice_value``
    or ``function``; ``ValueError`` says why it is not one (the caller names the argument)."""
    if _METRIC.match(text):
        return {"metric": text.strip()}
    if "[" in text or "]" in text:
        m = _SLICE.match(text)
        if m is None:
            raise ValueError("a slice is METRIC[COLUMN=VALUE], e.g. 'f1[segment=smb]'")
        metric, column, value = (g.strip() for g in m.groups())
        return {"metric": metric, "column": column, "slice_value": _unquote(value)}
    m = _CALL.match(text)
    if m is None:
        raise ValueError("it is not a metric name (brackets and parentheses must be balanced)")
    name, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
    if name not in FUNCTIONS:
        raise ValueError(f"{name!r} is not a gate function (known: {', '.join(FUNCTIONS)})")
    if len(args) != 2 or not all(a and _METRIC.match(a) for a in args):
        raise ValueError(f"{name} takes a metric and a column: {FUNCTIONS[name]}")
    return {"metric": args[0], "column": args[1], "function": name}


def _term(metric: object, argument: str) -> dict[str, str]:
    if not isinstance(metric, str) or not metric.strip():
        raise InvalidArgument(argument, "metric names as keys", metric)
    try:
        return parse_term(metric)
    except ValueError as exc:
        raise InvalidArgument(
            argument, "metric names as keys: " + TERM_EXPECTED, metric, hint=f"Here {exc}"
        ) from None


def parse_rule(metric: str, rule: object, argument: str = "require") -> Gate:
    """One gate from a mapping entry: ``("accuracy", ">= current - 0.01")``."""
    parts = _term(metric, argument)
    where = f"{argument}[{metric!r}]"
    m = _RULE.match(rule) if isinstance(rule, str) else None
    if m is None:
        raise InvalidArgument(where, RULE_EXPECTED, rule)
    op, rhs, sign, offset = m.groups()
    if rhs != "current":
        if offset:
            raise InvalidArgument(where, "an offset only after 'current'", rule)
        return Gate(op=op, value=float(rhs), **parts)
    delta = float(offset or 0.0)
    return Gate(op=op, value=-delta if sign == "-" else delta, current=True, **parts)


def _unquote(text: str) -> str:
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


def _operator(text: str, argument: str) -> re.Match[str] | None:
    """The first comparison operator outside brackets and parentheses."""
    depth, pairs = [], {"]": "[", ")": "("}
    for i, ch in enumerate(text):
        if ch in "[(":
            depth.append(ch)
        elif ch in pairs:
            if not depth or depth.pop() != pairs[ch]:
                raise InvalidArgument(
                    argument, GATE_EXPECTED, text, hint=f"Its {ch!r} closes nothing"
                )
        elif not depth and ch in "<>=!" and (m := _OP.match(text, i)) is not None:
            return m
    if depth:
        raise InvalidArgument(
            argument, GATE_EXPECTED, text, hint=f"Its {depth[-1]!r} is not closed"
        )
    return None


def _parse_one(piece: str, argument: str) -> Gate:
    text = _unquote(piece.strip())
    found = _operator(text, argument)
    if found is None:
        raise InvalidArgument(argument, GATE_EXPECTED, text, hint="It has no comparison operator")
    if found.group(1) in ("=>", "=<", "!=", "="):
        raise InvalidArgument(
            argument, GATE_EXPECTED, text, hint=f"{found.group(1)!r} is not an operator"
        )
    metric = text[: found.start()].strip()
    if not metric:
        raise InvalidArgument(
            argument, GATE_EXPECTED, text, hint="It has no metric name before the operator"
        )
    try:
        parse_term(metric)
    except ValueError as exc:
        hint = f"Before the operator, expected {TERM_EXPECTED}; {exc}"
        raise InvalidArgument(argument, GATE_EXPECTED, text, hint=hint) from None
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
