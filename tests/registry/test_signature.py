"""Payload validation against a signature: clear errors naming the column."""

from __future__ import annotations

import math

import pytest

from jupyter_mlops.registry.signature import Column, PayloadError, Signature, parse_payload

SIG = Signature(
    (
        Column("age", "long"),
        Column("income", "double", nullable=True),
        Column("city", "string"),
        Column("vip", "boolean"),
    )
)
ROW = {"age": 30, "income": 1.5, "city": "Oslo", "vip": True}


def test_records_columns_split_and_inputs_agree():
    expected = {"age": [30], "income": [1.5], "city": ["Oslo"], "vip": [True]}
    assert parse_payload([ROW], SIG) == expected
    assert parse_payload({"records": [ROW]}, SIG) == expected
    assert parse_payload({"dataframe_records": [ROW]}, SIG) == expected
    assert parse_payload({"columns": {k: [v] for k, v in ROW.items()}}, SIG) == expected
    assert (
        parse_payload(
            {"dataframe_split": {"columns": list(ROW), "data": [list(ROW.values())]}}, SIG
        )
        == expected
    )
    assert parse_payload({"inputs": [[30, 1.5, "Oslo", True]]}, SIG) == expected


def test_ints_are_doubles_and_integral_floats_are_longs_and_null_is_nan_when_nullable():
    out = parse_payload([{**ROW, "income": 2, "age": 31.0}, {**ROW, "income": None}], SIG)
    assert out["income"][0] == 2 and out["age"][0] == 31 and isinstance(out["age"][0], int)
    assert math.isnan(out["income"][1])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([{"age": 30, "income": 1.5, "city": "Oslo"}], "record 0: missing column(s): vip"),
        ([{**ROW, "zip": "0150"}], "unexpected column(s): zip"),
        ([{**ROW, "age": "thirty"}], "column 'age' row 0: expected long, got str 'thirty'"),
        ([{**ROW, "age": 30.5}], "column 'age' row 0: expected long, got float 30.5"),
        ([{**ROW, "income": True}], "column 'income' row 0: expected double, got bool True"),
        ([{**ROW, "vip": 1}], "column 'vip' row 0: expected boolean, got int 1"),
        ([ROW, {**ROW, "city": None}], "column 'city' row 1: expected string, got null"),
        ([{**ROW, "age": None}], "column 'age' row 0: expected long, got null"),
        ([{**ROW, "income": float("inf")}], "column 'income' row 0: expected a finite double"),
        ([{**ROW, "income": 10**400}], "column 'income' row 0: double out of range"),
        ([{**ROW, "age": -(2**70)}], "column 'age' row 0: long out of range"),
        (
            {"columns": {"age": [1, 2], "income": [1.0], "city": ["a"], "vip": [True]}},
            "same length",
        ),
        ({"inputs": [[1, 2.0, "x"]]}, "row 0: expected 4 values"),
        ([], "non-empty"),
        ({"records": [1, 2]}, "each record must be an object"),
        ({"rows": []}, "expected a list of records"),
        ({"records": [ROW], "columns": {}}, "expected a list of records"),
        ("text", "expected a list of records"),
    ],
)
def test_bad_payloads(body, message):
    with pytest.raises(PayloadError) as info:
        parse_payload(body, SIG)
    assert message in str(info.value)


def test_long_column_lists_are_shortened():
    sig = Signature(tuple(Column(f"c{i}", "double") for i in range(30)))
    with pytest.raises(PayloadError) as info:
        parse_payload([{"x": 1}], sig)
    assert "... (20 more)" in str(info.value)


def test_unknown_signature_passes_records_through():
    assert parse_payload([{"a": 1}], Signature(None)) == {"a": [1]}
    with pytest.raises(PayloadError, match="no signature"):
        parse_payload({"inputs": [[1]]}, Signature(None))


def test_round_trip_dict():
    assert Signature.from_dict(SIG.to_dict()) == SIG
