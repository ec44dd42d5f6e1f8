"""%mlops register / promote-model / alias / models in a real InteractiveShell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops


@pytest.fixture
def shell(ip, fitted, constant, cancer):
    ip.user_ns.update(good=fitted, bad=constant, model=fitted, X=cancer[0])
    return ip


def line(ip, text):
    return ip.run_line_magic("mlops", text)


def test_register_variables_promote_and_alias(shell, capsys):
    line(shell, "start first")
    shell.run_cell("import jupyter_mlops as mlops; mlops.log_metric('accuracy', 0.95)")
    line(shell, "register cancer good --example X -d the good one")
    line(shell, "end")
    line(shell, "start second")
    shell.run_cell("mlops.log_metric('accuracy', 0.6)")
    line(shell, "register cancer bad")
    line(shell, "end")
    out = capsys.readouterr().out
    assert "registered cancer/1 (skops, Pipeline; run " in out
    assert "registered cancer/2 (skops, DummyClassifier;" in out
    assert mlops.get_model_version("cancer/1").description == "the good one"

    promotion = line(shell, "promote-model cancer 1 --require accuracy>=0.9")
    assert promotion.version == 1 and promotion.from_version is None
    with pytest.raises(UsageError, match="promote-model: cancer/2 not promoted to 'production'"):
        line(shell, "promote-model cancer 2 -r accuracy>=current")
    forced = line(shell, "promote-model cancer 2 -r accuracy>=current --force --reason demo only")
    assert forced.forced
    assert mlops.alias_history("cancer")["reason"].iloc[0] == "demo only"

    line(shell, "alias cancer staging 1 --reason compare")
    assert mlops.get_model_version("cancer@staging").version == 1
    line(shell, "alias cancer staging --delete")
    assert "staging" not in mlops.get_model("cancer").aliases
    assert list(line(shell, "models")["name"]) == ["cancer"]
    assert list(line(shell, "models cancer")["version"]) == [1, 2]


def test_register_defaults_to_the_variable_model(shell):
    line(shell, "register plain")
    assert mlops.get_model_version("plain/1").model_class == "sklearn.pipeline.Pipeline"


def test_usage_errors(shell):
    with pytest.raises(UsageError, match="'nothing' is not defined"):
        line(shell, "register m nothing")
    with pytest.raises(UsageError, match="VERSION"):
        line(shell, "alias m production")
    with pytest.raises(UsageError, match="either a VARIABLE or --artifact"):
        line(shell, "register m good --artifact model.skops")
    with pytest.raises(UsageError, match="register: model: expected a fitted model"):
        shell.user_ns["text"] = "not a model"
        line(shell, "register m text")


def test_quoted_description_gates_and_reasons(shell):
    line(shell, "start quoted")
    shell.run_cell("import jupyter_mlops as mlops; mlops.log_metric('accuracy', 0.95)")
    line(shell, 'register cancer good -d "the good one"')
    line(shell, "end")
    assert mlops.get_model_version("cancer/1").description == "the good one"
    promotion = line(shell, "promote-model cancer 1 -r \"accuracy >= 0.9\" --reason 'A/B start'")
    assert promotion.version == 1
    assert mlops.alias_history("cancer")["reason"].iloc[0] == "A/B start"
    line(shell, 'alias cancer staging 1 --reason "compare, then ship"')
    assert mlops.alias_history("cancer")["reason"].iloc[0] == "compare, then ship"
