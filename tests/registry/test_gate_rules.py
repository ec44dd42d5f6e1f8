"""The one gate language: every accepted form, every refusal with its message, Gate.check."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.registry.gate_rules import Gate, make_gate, parse_gates

ACC_CURRENT = Gate("accuracy", ">=", 0.0, current=True)
F1 = Gate("f1", ">=", 0.8)
LOSS = Gate("loss", "<", -0.01, current=True)


@pytest.mark.parametrize(
    ("spec", "gates"),
    [
        ("accuracy >= current", [ACC_CURRENT]),
        ("f1>=0.8", [F1]),
        ("loss < current - 0.01", [LOSS]),
        ("loss<current-0.01", [LOSS]),
        ("accuracy >= current; f1>=0.8", [ACC_CURRENT, F1]),
        ("accuracy >= current\nf1 >= 0.8\n", [ACC_CURRENT, F1]),
        ("accuracy >= current;;\n  ;f1 >= 0.8;", [ACC_CURRENT, F1]),
        ("'f1 >= 0.8'", [F1]),
        ("", []),
        ("  ;\n ", []),
        (None, []),
        (["accuracy >= current", "f1>=0.8"], [ACC_CURRENT, F1]),
        (("accuracy >= current; f1>=0.8",), [ACC_CURRENT, F1]),
        ([F1, "loss < current - 0.01"], [F1, LOSS]),
        (F1, [F1]),
        ({"accuracy": ">= current", "f1": ">=0.8"}, [ACC_CURRENT, F1]),
        ({"loss": "< current - 0.01"}, [LOSS]),
        ("val loss <= 1e-3", [Gate("val loss", "<=", 0.001)]),
        ("delta > -2", [Gate("delta", ">", -2.0)]),
        ("m == .5", [Gate("m", "==", 0.5)]),
        ("m >= current + 1e-2", [Gate("m", ">=", 0.01, current=True)]),
        ("test/acc:top-1 > 0.5", [Gate("test/acc:top-1", ">", 0.5)]),
    ],
)
def test_accepted_forms(spec, gates):
    assert parse_gates(spec) == gates


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("accuracy", "require: expected a gate METRIC OP VALUE"),
        ("accuracy", "got 'accuracy'. It has no comparison operator"),
        ("acc => 1", "'=>' is not an operator"),
        ("acc = 1", "'=' is not an operator"),
        ("acc != 1", "'!=' is not an operator"),
        (">= 0.8", "It has no metric name before the operator"),
        ("acc >= high", "got 'acc >= high'. After the metric, expected a rule like '>= 0.8'"),
        ("acc >= currentt", "After the metric, expected a rule like"),
        ("acc >= 0.5 + 1", "After the metric, expected an offset only after 'current'"),
        ("acc >= 0.9; f1 >= x", "got 'f1 >= x'"),
        ("acc >= 0.9\nbad line", "got 'bad line'"),
        (["acc >= 0.9", ""], "got ''"),
        (["acc >= 0.9", 0.8], "gates as text (or Gate objects)"),
        ({"acc": 0.8}, "require['acc']: expected a rule like '>= 0.8'"),
        ({"acc": "about 0.9"}, "require['acc']: expected a rule like"),
        ({"": ">= 1"}, "require: expected metric names as keys"),
        ({"a<b": ">= 1"}, "require: expected metric names as keys"),
        (0.8, "a list of texts or a mapping {metric: rule}, got 'float'"),
    ],
)
def test_refusals_name_the_text_and_what_was_expected(spec, message):
    with pytest.raises(InvalidArgument) as info:
        parse_gates(spec)
    assert message in str(info.value)


def test_the_error_names_the_argument_the_caller_typed():
    with pytest.raises(InvalidArgument, match=r"^--require: expected a gate"):
        parse_gates(["accuracy"], "--require")
    with pytest.raises(InvalidArgument, match=r"^gate: expected exactly one gate"):
        Gate.parse("a >= 1; b >= 2")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("f1>=0.8", "f1 >= 0.8"),
        ("acc > current", "acc > current"),
        ("acc<=current+0.5", "acc <= current + 0.5"),
        ("loss < current - 0.01", "loss < current - 0.01"),
    ],
)
def test_a_gate_is_written_one_way_and_reads_back(text, written):
    gate = Gate.parse(text)
    assert str(gate) == written
    assert Gate.parse(str(gate)) == gate


def test_check_against_numbers_and_the_current_version():
    assert F1.check({"f1": 0.9}) == (True, 0.9)
    assert F1.check({"f1": 0.7}) == (False, 0.7)
    assert F1.check({}) == (False, None)
    nan = F1.check({"f1": float("nan")})
    assert nan[0] is False
    assert LOSS.check({"loss": 0.5}, current={"loss": 0.52}) == (True, 0.5)
    assert LOSS.check({"loss": 0.515}, current={"loss": 0.52}) == (False, 0.515)
    assert LOSS.check({"loss": 0.5}, current={}) == (False, 0.5)
    assert LOSS.threshold({"loss": 0.52}) == pytest.approx(0.51)
    with pytest.raises(InvalidArgument, match="'current' only has a meaning when an alias moves"):
        LOSS.check({"loss": 0.5})


def test_make_gate_checks_the_yaml_fields():
    assert make_gate("acc", ">=", "0.9") == Gate("acc", ">=", 0.9)
    for metric, op, value, message in [
        ("acc", "=>", 1, "op one of"),
        ("", ">=", 1, "a metric name"),
        ("acc", ">=", "high", "a numeric value"),
        ("acc", ">=", True, "a numeric value"),
        ("acc", ">=", float("nan"), "a finite value"),
    ]:
        with pytest.raises(InvalidArgument, match=message):
            make_gate(metric, op, value, argument="gates")
