"""%mlops / %%mlops tracking subcommands in a real InteractiveShell."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from jupyter_mlops.tracking.display import RunView
from jupyter_mlops.tracking.run import active_run


def test_help_lists_every_subcommand(ip, capsys):
    ip.run_line_magic("mlops", "help")
    out = capsys.readouterr().out
    for name in ("start", "end", "log", "param", "artifact", "status", "runs", "show", "compare"):
        assert f"%mlops  {name}" in out or f"%mlops {name}" in out
    assert "%%mlops run" in out
    assert "autolog" in out


def test_help_for_one_subcommand_shows_its_options(ip, capsys):
    ip.run_line_magic("mlops", "help start")
    out = capsys.readouterr().out
    assert out.startswith("%mlops start: open a run")
    assert "--experiment" in out and "--param" in out and "_start_args" not in out
    with pytest.raises(UsageError, match="unknown %mlops subcommand 'nope'"):
        ip.run_line_magic("mlops", "help nope")


def test_start_log_end(ip, cell, capsys):
    cell("%mlops start baseline --experiment exp1 --param lr=0.1 depth=3 --tag team=vision")
    run = active_run()
    assert run.name == "baseline" and run.experiment == "exp1"
    cell("acc = 0.91\nlabel = 'cats'")
    cell("%mlops log acc label loss=0.25 model=rf n=7")
    cell("%mlops param solver=lbfgs")
    cell("%mlops tag stage=try")
    cell("%mlops end")
    data = mlops.get_run(run.id)
    assert data.info.status.value == "FINISHED"
    assert data.params == {
        "depth": "3",
        "label": "cats",
        "lr": "0.1",
        "model": "rf",
        "solver": "lbfgs",
    }
    assert data.metrics == {"acc": 0.91, "loss": 0.25, "n": 7.0}
    assert data.tags["team"] == "vision" and data.tags["stage"] == "try"
    out = capsys.readouterr().out
    assert "started run 'baseline'" in out and "FINISHED after" in out


def test_log_with_step(ip, cell):
    cell("%mlops start stepped")
    run = active_run()
    cell("%mlops log loss=0.5 --step 3")
    cell("%mlops log loss=0.4 --step 4")
    history = mlops.get_metric_history(run.id, "loss")
    assert history["step"].tolist() == [3, 4]
    assert history["value"].tolist() == [0.5, 0.4]


def test_start_while_open_finishes_the_open_run(ip, cell, capsys):
    cell("%mlops start one")
    first = active_run()
    cell("%mlops start two")
    second = active_run()
    assert second.id != first.id
    assert mlops.get_run(first.id).info.status.value == "FINISHED"
    assert mlops.get_run(second.id).info.parent_run_id is None
    assert f"finished the open run 'one' ({first.id[:8]}) first" in capsys.readouterr().out


def test_end_with_failed_status(ip, cell):
    cell("%mlops start doomed")
    run = active_run()
    cell("%mlops end --status failed")
    assert mlops.get_run(run.id).info.status.value == "FAILED"
    assert active_run() is None


def test_run_cell_finishes_and_returns_the_last_value(ip, cell, capsys):
    result = cell("%%mlops run fit --param k=3\nbase = 40\nbase + 2")
    assert result.result == 42
    assert ip.user_ns["base"] == 40
    runs = mlops.search_runs(filter="name = 'fit'")
    assert runs["status"].tolist() == ["FINISHED"]
    assert mlops.get_run(runs["run_id"][0]).params == {"k": "3"}
    assert active_run() is None
    assert "FINISHED in" in capsys.readouterr().out


def test_run_cell_failure_fails_the_run_and_reraises(ip, cell):
    result = cell(
        "%%mlops run broken\nx = 1\nraise ValueError('bad data in column a')", raises=False
    )
    assert isinstance(result.error_in_exec, ValueError)
    assert active_run() is None
    info = mlops.get_run(mlops.search_runs(filter="name = 'broken'")["run_id"][0]).info
    assert info.status.value == "FAILED"
    assert "ValueError: bad data in column a" in info.error
    assert "magics/tracking.py" not in info.error  # the stored traceback starts at the cell
    assert ip.user_ns["x"] == 1


def test_run_cell_with_magics_inside(ip, cell):
    cell("%%mlops run inner\nscore = 0.5\n%mlops log score")
    runs = mlops.search_runs(filter="name = 'inner'")
    assert mlops.get_run(runs["run_id"][0]).metrics == {"score": 0.5}


def test_syntax_error_opens_no_run(ip, cell):
    before = len(mlops.search_runs(children=True))
    result = cell("%%mlops run bad\nx = (", raises=False)
    assert isinstance(result.error_in_exec, SyntaxError)
    assert len(mlops.search_runs(children=True)) == before


def test_reexecuted_cell_is_a_new_attempt(ip, cell):
    source = "%%mlops run tuned --param k={k}\nmetric = 1 / {k}\n%mlops log metric"
    cell(source.format(k=1))
    cell(source.format(k=1))
    frame = mlops.search_runs(filter="name = 'tuned'", order_by="start_time")
    first, second = frame["run_id"].tolist()
    tags = mlops.get_run(second).tags
    assert tags["mlops.attempt"] == "2" and tags["mlops.previous_attempt"] == first
    assert mlops.get_run(first).tags["mlops.attempt"] == "1"
    table = mlops.attempts(second)
    assert table["attempt"].tolist() == [1, 2]
    assert table["run_id"].tolist() == [first, second]
    assert table["metrics.metric"].tolist() == [1.0, 1.0]
    compared = ip.run_line_magic("mlops", f"compare --attempts {second[:8]}")
    assert isinstance(compared, pd.DataFrame) and len(compared.columns) == 4


def test_artifact_from_a_path_and_from_variables(ip, cell, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    cell("%mlops start arts")
    run = active_run()
    cell("import pandas as pd\nframe = pd.DataFrame({'a': [1, 2]})\nsummary = {'rows': 2}")
    cell("%mlops artifact notes.txt")
    cell("%mlops artifact frame")
    cell("%mlops artifact summary --name summary.json")
    names = [a.name for a in mlops.list_artifacts(run.id)]
    assert names == ["frame.parquet", "notes.txt", "summary.json"]
    assert mlops.load_artifact(run.id, "notes.txt") == b"hello"
    import io

    back = pd.read_parquet(io.BytesIO(mlops.load_artifact(run.id, "frame.parquet")))
    assert back["a"].tolist() == [1, 2]


def test_runs_show_and_compare(ip, cell):
    cell("%mlops start a --param p=1")
    cell("%mlops log m=0.5")
    a = active_run().id
    cell("%mlops start b --param p=2")
    cell("%mlops log m=0.7")
    b = active_run().id
    cell("%mlops end")
    table = ip.run_line_magic("mlops", "runs --limit 5")
    assert table["name"].tolist()[:2] == ["b", "a"]
    assert "metrics.m" in table.columns
    view = ip.run_line_magic("mlops", f"show {a[:8]}")
    assert isinstance(view, RunView)
    assert "p=1" in repr(view) and "m=0.5" in repr(view)
    assert "FINISHED" in view._repr_html_()
    compared = ip.run_line_magic("mlops", f"compare {a} {b}")
    assert compared.set_index("key").loc["m"].tolist()[1:] == [0.5, 0.7]


def test_status_shows_the_open_run(ip, cell, capsys):
    ip.run_line_magic("mlops", "status")
    assert "no open run" in capsys.readouterr().out
    cell("%mlops start watched --param lr=0.3")
    ip.run_line_magic("mlops", "status")
    out = capsys.readouterr().out
    assert "watched [RUNNING]" in out and "lr=0.3" in out and "cell capture: on" in out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("log a=", "malformed 'a=': expected KEY=VALUE"),
        ("log =3", "malformed '=3'"),
        ("param novalue", "malformed 'novalue'"),
        ("bogus", "unknown %mlops subcommand 'bogus'"),
        ("strat x", "did you mean %mlops start?"),
        ("end", "no active run"),
        ("log not_defined_anywhere", "name 'not_defined_anywhere' is not defined"),
        ("end --status sideways", "--status"),
        ("compare onlyone", "at least two runs"),
    ],
)
def test_bad_input_is_one_clear_line(ip, cell, line, message):
    if line.startswith(("log", "param")) and "not_defined" not in line:
        cell("%mlops start bad-input")
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("mlops", line)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_core_errors_become_usage_errors(ip, cell):
    cell("%mlops start immutable")
    cell("%mlops param a=1")
    with pytest.raises(UsageError, match="immutable"):
        ip.run_line_magic("mlops", "param a=2")


def test_line_subcommand_refuses_a_cell_body(ip):
    with pytest.raises(UsageError, match="does not take a cell body"):
        ip.run_cell_magic("mlops", "status", "x = 1")


def test_autolog_magic_toggles(ip, cell, capsys):
    from sklearn.linear_model import LinearRegression

    original = LinearRegression.fit
    cell("%mlops autolog sklearn")
    assert LinearRegression.fit is not original
    cell("%mlops status")
    assert "autolog: sklearn" in capsys.readouterr().out
    cell("%mlops autolog off")
    assert LinearRegression.fit is original


def test_cells_and_attempts_subcommands(ip, cell, capsys):
    cell("%%mlops run twice\nv = 1")
    cell("%%mlops run twice\nv = 1")
    table = ip.run_line_magic("mlops", "attempts")
    assert table["attempt"].tolist() == [1, 2]
    frame = ip.run_line_magic("mlops", "cells")
    assert frame["source"].tolist()[-1] == "%%mlops run twice\nv = 1"
    assert frame["phase"].tolist()[-1] == "run"
    assert "re-ran the cell" in capsys.readouterr().err


def test_attempts_of_a_plain_run_is_a_clear_error(ip, cell):
    cell("%mlops start plain")
    with pytest.raises(UsageError, match="is not an attempt of a cell"):
        ip.run_line_magic("mlops", "attempts")


@pytest.mark.parametrize(
    ("code", "name", "check"),
    [
        ("value = b'raw'", "value", lambda b: b == b"raw"),
        ("value = 'text'", "value.txt", lambda b: b == b"text"),
        ("import numpy as np\nvalue = np.arange(3)", "value.npy", lambda b: b[:6] == b"\x93NUMPY"),
        (
            "from sklearn.linear_model import LinearRegression\n"
            "value = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])",
            "value.skops",
            lambda b: b[:2] == b"PK",
        ),
    ],
)
def test_artifact_serializes_variables_in_open_formats(ip, cell, code, name, check):
    cell("%mlops start typed")
    cell(code)
    cell("%mlops artifact value")
    assert check(mlops.load_artifact(active_run().id, name))


def test_artifact_of_an_unsupported_value_is_a_clear_error(ip, cell):
    cell("%mlops start typed")
    cell("value = object()")
    with pytest.raises(UsageError, match="a file path, or a variable holding"):
        ip.run_line_magic("mlops", "artifact value")


# -- quoted free text (issue 15 item 2) -------------------------------------------
def test_start_unquotes_name_experiment_params_and_tags(ip, cell):
    cell("%mlops start \"my run\" -e 'wine exp' --param note=\"two words\" --tag why='A/B start'")
    run = active_run()
    assert run.name == "my run" and run.experiment == "wine exp"
    data = mlops.get_run(run.id)
    assert data.params == {"note": "two words"} and data.tags["why"] == "A/B start"


def test_param_tag_and_log_unquote_values(ip, cell):
    cell("%mlops start quoting")
    cell("%mlops param solver=\"lbfgs l2\" 'path=C:\\data\\train.csv'")
    cell('%mlops tag note="two words"')
    cell("%mlops log comment='fine so far' loss=0.5")
    data = mlops.get_run(active_run().id)
    assert data.params == {
        "comment": "fine so far",
        "path": "C:\\data\\train.csv",
        "solver": "lbfgs l2",
    }
    assert data.tags["note"] == "two words" and data.metrics == {"loss": 0.5}


def test_run_cell_magic_unquotes_its_line(ip, cell):
    cell('%%mlops run "cell run" -e "wine exp" --tag note="two words"\nx = 1')
    frame = mlops.search_runs(filter="name = 'cell run'")
    assert frame["experiment"].tolist() == ["wine exp"]
    assert mlops.get_run(frame["run_id"][0]).tags["note"] == "two words"


def test_runs_filter_and_experiment_in_quotes(ip, cell):
    for name, acc in (("low", 0.05), ("high", 0.5)):
        cell(f"%mlops start {name} -e 'wine exp'")
        cell(f"%mlops log acc={acc}")
    cell("%mlops end")
    table = ip.run_line_magic("mlops", "runs --filter 'metrics.acc > 0.1' -e \"wine exp\"")
    assert table["name"].tolist() == ["high"]


def test_artifact_path_with_spaces_in_quotes(ip, cell, tmp_path):
    (tmp_path / "my notes.txt").write_text("hi")
    cell("%mlops start arts")
    cell(f"%mlops artifact \"{tmp_path / 'my notes.txt'}\" --name 'notes.txt'")
    assert mlops.load_artifact(active_run().id, "notes.txt") == b"hi"


# -- %mlops log: text values and metric names (issue 15 item 3) ---------------------
def test_log_text_with_the_name_of_a_metric_is_an_error(ip, cell):
    cell("%mlops start metric-name")
    cell("%mlops log acc=0.9")
    run = active_run()
    for line in ("log acc=oops", "log loss=0.1 acc=oops", 'log acc="0.93"'):
        with pytest.raises(UsageError) as err:
            ip.run_line_magic("mlops", line)
        message = str(err.value)
        assert "acc" in message and "metric" in message and "\n" not in message
    data = mlops.get_run(run.id)
    assert data.params == {} and data.metrics == {"acc": 0.9}  # nothing half-written
    assert len(mlops.get_metric_history(run.id, "loss")) == 0


def test_log_quoted_number_is_a_param_without_its_quotes(ip, cell):
    cell("%mlops start quoted-number")
    cell("%mlops log version=\"0.93\" build='7' acc=0.5")
    data = mlops.get_run(active_run().id)
    assert data.params == {"build": "7", "version": "0.93"}
    assert data.metrics == {"acc": 0.5}


def test_log_variable_holding_text_named_like_a_metric_is_an_error(ip, cell):
    cell("%mlops start var-text")
    cell("acc = 0.7\n%mlops log acc")
    cell("acc = 'oops'")
    with pytest.raises(UsageError, match="acc"):
        ip.run_line_magic("mlops", "log acc")
    assert mlops.get_run(active_run().id).params == {}


def test_help_log_documents_the_rule(ip, capsys):
    ip.run_line_magic("mlops", "help log")
    out = " ".join(capsys.readouterr().out.split())
    assert "quoted" in out and "already a metric" in out
