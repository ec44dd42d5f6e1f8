"""``jupyter mlops models ...``, ``alias``, ``lineage`` in-process with click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main


@pytest.fixture
def registry_data(store):
    from sklearn.datasets import load_iris
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    for model, acc in (
        (LogisticRegression(max_iter=300).fit(X, y), 0.97),
        (DummyClassifier().fit(X, y), 0.33),
    ):
        with mlops.start_run("train", capture_context=False):
            mlops.log_metric("accuracy", acc)
            mlops.register_model("iris", model, description=f"acc {acc}")
    return store


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_list_versions_show(registry_data):
    result = cli("models", "list")
    assert result.exit_code == 0, result.output
    assert "iris" in result.output and "latest_version" in result.output
    result = cli("models", "versions", "iris")
    assert result.exit_code == 0
    assert "LogisticRegression" in result.output and "DummyClassifier" in result.output
    result = cli("models", "show", "iris/1", "--json")
    record = json.loads(result.output)
    assert record["version"] == 1 and record["format"] == "skops"
    assert record["signature"]["inputs"][0]["name"] == "sepal length (cm)"
    result = cli("models", "show", "iris@latest")
    assert result.exit_code == 0 and "inputs (4):" in result.output


def test_alias_set_delete_and_history(registry_data):
    result = cli("alias", "set", "iris", "staging", "2", "--reason", "try it")
    assert result.exit_code == 0 and "iris@staging: version none -> 2" in result.output
    result = cli("alias", "delete", "iris", "staging")
    assert result.exit_code == 0 and "was version 2" in result.output
    result = cli("models", "history", "iris", "--json")
    rows = json.loads(result.output)
    assert [(r["from_version"], r["to_version"]) for r in rows] == [(2, None), (None, 2)]
    assert rows[1]["reason"] == "try it"


def test_promote_gates_exit_codes(registry_data):
    result = cli("models", "promote", "iris", "1", "--require", "accuracy>=0.9")
    assert result.exit_code == 0, result.output
    assert "iris@production: version none -> 1" in result.output
    result = cli("models", "promote", "iris", "2", "-r", "accuracy>=current")
    assert result.exit_code == 1
    assert "gate(s) failed" in result.output and "FAIL" in result.output
    assert mlops.get_model_version("iris@production").version == 1
    result = cli("models", "promote", "iris", "2", "-r", "accuracy >= current", "--force")
    assert result.exit_code == 2 and "reason" in result.output
    result = cli(
        "models",
        "promote",
        "iris",
        "2",
        "-r",
        "accuracy>=current",
        "--force",
        "--reason",
        "demo",
        "--json",
    )
    assert result.exit_code == 0 and json.loads(result.output)["forced"] is True


def test_lineage_and_bad_input(registry_data):
    result = cli("lineage", "iris/2")
    assert result.exit_code == 0 and result.output.startswith("model iris/2")
    assert json.loads(cli("lineage", "iris/1", "--json").output)["run"]["name"] == "train"
    for args, message in [
        (("models", "show", "nope@production"), "model 'nope' does not exist"),
        (("models", "show", "iris/9"), "no version 9"),
        (("alias", "set", "iris", "my alias", "1"), "alias: expected"),
        (("alias", "set", "iris", "a/b", "1"), "alias: expected"),
        (("models", "promote", "iris", "1", "-r", "accuracy"), "--require"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
