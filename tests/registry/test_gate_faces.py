"""The same gate text gives the same gates from every face that moves an alias (CLI, magic).

The REST route is checked the same way in tests/server/test_models.py, pipeline
promotion in tests/pipeline/test_gate_faces.py.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.registry.gate_rules import parse_gates

TEXT = "accuracy >= current - 0.05; loss<1\nf1 >= 0.5"
EXPECTED = [(g.metric, g.rule) for g in parse_gates(TEXT)]


@pytest.fixture
def versions(store, train):
    train("cancer", accuracy=0.9, loss=0.5, f1=0.8)
    train("cancer", accuracy=0.88, loss=0.4, f1=0.7)
    mlops.promote_model("cancer", 1, "production")
    mlops.promote_model("cancer", 1, "staging")


def test_cli_sends_the_text_and_the_core_reads_it(versions):
    result = CliRunner().invoke(
        main, ["models", "promote", "cancer", "2", "-r", TEXT, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert [(g["metric"], g["rule"]) for g in json.loads(result.output)["gates"]] == EXPECTED
    many = ["-r", "accuracy >= current - 0.05; loss<1", "-r", "f1 >= 0.5"]
    result = CliRunner().invoke(
        main, ["models", "promote", "cancer", "2", "--to", "staging", *many]
    )
    assert result.exit_code == 0, result.output
    assert "loss      < 1" in result.output


def test_cli_shows_the_core_error_for_a_bad_line(versions):
    result = CliRunner().invoke(main, ["models", "promote", "cancer", "2", "-r", "acc >= 1\nbad"])
    assert result.exit_code == 2
    assert "--require: expected a gate METRIC OP VALUE" in result.output
    assert "got 'bad'" in result.output
    assert mlops.get_model("cancer").aliases == {"production": 1, "staging": 1}


def test_magic_sends_the_text_and_the_core_reads_it(versions, ip):
    quoted = TEXT.replace("\n", "; ")
    promotion = ip.run_line_magic("mlops", f"promote-model cancer 2 -r '{quoted}'")
    assert [(r.metric, r.rule) for r in promotion.results] == EXPECTED
    words = "'accuracy >= current - 0.05' loss<1 f1>=0.5"
    staged = ip.run_line_magic("mlops", f"promote-model cancer 2 --to staging -r {words}")
    assert [(r.metric, r.rule) for r in staged.results] == EXPECTED
    view = ip.run_line_magic("mlops", f"registry cancer -r '{quoted}'")
    assert [(g.metric, g.rule) for g in view.require] == EXPECTED


def test_magic_shows_the_core_error(versions, ip):
    with pytest.raises(UsageError, match=r"--require: expected a gate .*got 'loss => 1'"):
        ip.run_line_magic("mlops", "promote-model cancer 2 -r 'accuracy >= 0.5; loss => 1'")
    assert mlops.get_model("cancer").aliases == {"production": 1, "staging": 1}
