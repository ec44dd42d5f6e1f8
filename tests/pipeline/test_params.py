"""Parameter inference from a parameters cell, and conversion by declared type."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.pipeline.params import check_values, convert, parse_parameters


def _by_name(source: str):
    return {p.name: p for p in parse_parameters(source)}


def test_types_come_from_literals_annotations_and_type_comments():
    got = _by_name(
        "alpha = 0.5\n"
        "n: int = 3\n"
        "ratio = 1  # type: float\n"
        "name = 'x'  # the run name\n"
        "layers: list[int] = [64, 32]\n"
        "flag = True\n"
        "opt: str | None = None\n"
        "anything = None\n"
        "shape = (2, 3)\n"
    )
    assert (got["alpha"].type, got["alpha"].default) == ("float", 0.5)
    assert (got["n"].type, got["n"].default) == ("int", 3)
    assert got["ratio"].type == "float" and got["ratio"].default == 1.0
    assert isinstance(got["ratio"].default, float)
    assert got["name"].type == "str" and got["name"].help == "the run name"
    assert got["layers"].type == "list" and got["layers"].default == [64, 32]
    assert got["flag"].type == "bool"
    assert got["opt"].type == "str" and got["opt"].nullable
    assert got["anything"].type == "any" and got["anything"].nullable
    assert got["shape"].default == [2, 3]


def test_comments_magics_and_blank_lines_are_allowed():
    assert list(_by_name("# settings\n\n%matplotlib inline\nx = 1\n")) == ["x"]


@pytest.mark.parametrize(
    "source",
    ["alpha = 1 / 3", "n = len('abc')", "data = load()", "import os", "a = b = 1", "x, y = 1, 2"],
)
def test_non_literal_parameters_are_refused(source):
    with pytest.raises(InvalidArgument, match="parameters cell, line 1"):
        parse_parameters(source)


def test_syntax_error_is_a_clear_error():
    with pytest.raises(InvalidArgument, match="valid Python"):
        parse_parameters("alpha = (")


@pytest.mark.parametrize("name", ["list", "id", "input", "sum"])
def test_a_parameter_that_shadows_a_builtin_is_refused(name):
    with pytest.raises(InvalidArgument, match="shadow a Python builtin"):
        parse_parameters(f"{name} = 1")


def test_command_line_strings_convert_by_declared_type_not_by_guessing():
    assert convert("version", "str", "1.10") == "1.10"
    assert convert("alpha", "float", "1.10") == 1.1
    assert convert("n", "int", "12") == 12
    assert convert("flag", "bool", "false") is False
    assert convert("layers", "list", "[1, 2]") == [1, 2]
    assert convert("opts", "dict", "{a: 1}") == {"a": 1}
    assert convert("alpha", "float", 2) == 2.0


@pytest.mark.parametrize(
    ("ptype", "value"),
    [
        ("int", "1.5"),
        ("int", "ten"),
        ("float", "abc"),
        ("bool", "maybe"),
        ("list", "{a: 1}"),
        ("int", True),
        ("str", 3),
        ("float", "nan"),
    ],
)
def test_wrong_types_are_refused(ptype, value):
    with pytest.raises(InvalidArgument, match="parameter 'p'"):
        convert("p", ptype, value)


def test_check_values_fills_defaults_and_refuses_unknown_names():
    specs = {p.name: p for p in parse_parameters("alpha = 0.5\nn = 2")}
    assert check_values(specs, {"n": "5"}) == {"alpha": 0.5, "n": 5}
    with pytest.raises(InvalidArgument, match="names the pipeline declares .alpha, n."):
        check_values(specs, {"beta": 1})


@pytest.mark.parametrize(
    ("ptype", "text"),
    [("list", "not json"), ("dict", "not json"), ("list", "3"), ("dict", "[1, 2]"), ("list", "")],
)
def test_a_plain_string_for_a_list_or_dict_is_a_clear_error(ptype, text):
    with pytest.raises(InvalidArgument) as err:
        convert("opts", ptype, text)
    message = str(err.value)
    assert "parameter 'opts'" in message
    assert f"a {ptype} in YAML or JSON syntax" in message


def test_a_plain_string_for_a_list_parameter_exits_2_in_the_cli(mlops_home):
    import nbformat
    from click.testing import CliRunner

    import jupyter_mlops as mlops
    from jupyter_mlops.cli import main

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("opts = [1, 2]"), nbformat.v4.new_code_cell("x = 1")]
    (mlops_home.parent / "nb.ipynb").write_text(nbformat.writes(nb))
    mlops.promote_notebook(mlops_home.parent / "nb.ipynb", "listy")
    result = CliRunner().invoke(main, ["pipeline", "run", "listy", "-p", "opts", "not json"])
    assert result.exit_code == 2, result.output
    assert "parameter 'opts': expected a list" in result.output
    assert len(result.output.strip().splitlines()) == 1
