"""The %mlops router: one shell-like split for every subcommand, one parser each, one help."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from jupyter_mlops.tracking.run import active_run


def test_arguments_are_split_and_unquoted_like_a_shell(ip, cell):
    cell("%mlops start \"my run\" -e 'wine exp'")
    run = active_run()
    assert run.name == "my run" and run.experiment == "wine exp"


def test_words_report_whether_they_were_quoted():
    from jupyter_mlops.magics.router import split_line

    words = split_line("a \"b c\" 'd e' f=\"g h\" i=j '' k")
    assert words == ["a", "b c", "d e", "f=g h", "i=j", "", "k"]
    assert [w.quoted for w in words] == [False, True, True, True, False, True, False]
    assert split_line("   ") == []


def test_backslashes_are_kept_as_typed():
    from jupyter_mlops.magics.router import split_line

    line = r'C:\data\train.csv "C:\My Data\x.csv" tab=a\tb'
    assert split_line(line) == [r"C:\data\train.csv", r"C:\My Data\x.csv", r"tab=a\tb"]


@pytest.mark.parametrize(
    ("line", "quote"),
    [('start "my run', '"'), ("runs --filter 'metrics.acc > 0.1", "'")],
)
def test_an_unbalanced_quote_is_one_line(ip, line, quote):
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("mlops", line)
    message = str(err.value)
    assert "\n" not in message
    assert f"unbalanced {quote}" in message and line.split()[0] in message
    assert active_run() is None


def test_an_unbalanced_quote_in_a_cell_magic_opens_no_run(ip, cell):
    result = cell("%%mlops run 'half\nx = 1", raises=False)
    assert isinstance(result.error_in_exec, UsageError)
    assert "unbalanced '" in str(result.error_in_exec)
    assert "x" not in ip.user_ns and active_run() is None


def test_variables_are_expanded_before_splitting(ip, cell):
    cell("name = 'my run'\nexp = 'wine exp'")
    cell('%mlops start "$name" -e "{exp}"')
    run = active_run()
    assert run.name == "my run" and run.experiment == "wine exp"


def test_help_of_every_subcommand_shows_all_its_options(ip, capsys):
    from jupyter_mlops.magics.router import SUBCOMMANDS

    assert len(SUBCOMMANDS) > 20
    for name, sub in SUBCOMMANDS.items():
        ip.run_line_magic("mlops", f"help {name}")
        out = capsys.readouterr().out
        assert out.startswith(f"%{'%' if sub.cell else ''}mlops {name}: {sub.help}"), name
        for action in sub.parser._actions:
            for option in action.option_strings:
                assert option in out, f"%mlops help {name} does not show {option}"
            if not action.option_strings:
                assert (action.metavar or action.dest) in out, f"{name}: {action.dest}"


@pytest.mark.parametrize(
    ("name", "option"),
    [("promote", "--gate"), ("promote-model", "--require"), ("snapshot", "--description")],
)
def test_help_was_missing_options(ip, capsys, name, option):
    ip.run_line_magic("mlops", f"help {name}")
    assert option in capsys.readouterr().out


def test_dash_dash_help_prints_the_same_help(ip, capsys):
    assert ip.run_line_magic("mlops", "start --help") is None
    assert "--experiment" in capsys.readouterr().out
    assert active_run() is None


def test_argparse_errors_name_the_subcommand(ip):
    with pytest.raises(UsageError, match=r"^%mlops end: unrecognized arguments: --nope$"):
        ip.run_line_magic("mlops", "end --nope")


def test_notebook_values_are_looked_up_never_evaluated(ip):
    import types

    import pandas as pd

    calls: list[int] = []
    frame = pd.DataFrame({"a": [1, 2, 3]})
    ip.user_ns.update(frames=types.SimpleNamespace(train=frame), calls=calls)
    info = ip.run_line_magic("mlops", "snapshot frames.train --name train")
    assert info.n_rows == 3
    with pytest.raises(UsageError, match="a variable name or NAME.ATTRIBUTE") as err:
        ip.run_line_magic("mlops", "snapshot calls.append(1) --name x")
    assert calls == [] and "\n" not in str(err.value)
    with pytest.raises(UsageError, match="'frames.test' is not defined"):
        ip.run_line_magic("mlops", "snapshot frames.test --name y")


def test_a_usage_error_inside_a_run_cell_passes_through_and_fails_the_run(ip, cell):
    result = cell("%%mlops run outer\n%mlops log a=", raises=False)
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    assert str(error).startswith("%mlops log: malformed 'a='")
    assert active_run() is None
