"""The faces of evaluate: %mlops evaluate / compare-models and `jupyter mlops evaluate`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from jupyter_mlops.cli import main


def test_magic_evaluates_a_notebook_model_on_a_snapshot(ip, frame, model):
    mlops.snapshot(frame, "holdout")
    ip.user_ns["clf"] = model
    ev = ip.run_line_magic("mlops", "evaluate clf --target churned --slice segment --seed 3")
    assert ev.snapshot == "holdout@1" and ev.params["seed"] == 3
    assert [r["value"] for r in ev.slices["segment"]] == ["consumer", "enterprise", "smb"]
    cmp = ip.run_line_magic("mlops", "compare-models clf clf --target churned")
    assert cmp.verdict == "not worse"


def test_magic_bad_target_is_one_line(ip, frame, model):
    mlops.snapshot(frame, "holdout")
    ip.user_ns["clf"] = model
    with pytest.raises(UsageError, match="target: expected a column of holdout@1"):
        ip.run_line_magic("mlops", "evaluate clf --target nope")


def test_cli_evaluate_json_and_table(mlops_home, frame, model):
    mlops.snapshot(frame, "holdout")
    mlops.register_model("churn", model)
    run = CliRunner().invoke(
        main, ["evaluate", "churn/1", "--target", "churned", "--slice", "region", "--json"]
    )
    assert run.exit_code == 0, run.output
    record = json.loads(run.output)
    assert record["model"] == "churn/1" and {r["value"] for r in record["slices"]["region"]} == {
        "eu",
        "us",
    }
    text = CliRunner().invoke(main, ["evaluate", "churn/1", "--target", "churned"])
    assert text.exit_code == 0 and "accuracy" in text.output and "by" not in text.output
    bad = CliRunner().invoke(main, ["evaluate", "churn/1", "--target", "nope"])
    assert bad.exit_code == 2 and "target: expected a column" in bad.output
