"""``jupyter mlops promote`` and ``jupyter mlops pipeline run|ci|verify|list`` in-process."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main

_spec = importlib.util.spec_from_file_location(
    "pipeline_conftest", Path(__file__).resolve().parents[1] / "pipeline" / "conftest.py"
)
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
write_notebook = _helpers.write_notebook


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def train(mlops_home):
    path = write_notebook(
        mlops_home.parent / "train.ipynb",
        [
            "import jupyter_mlops as mlops",
            ("alpha = 0.5\nversion = '1.0'", ["parameters"]),
            ("print('look around')", ["exploration"]),
            "mlops.log_metric('score', alpha * 2)\nmlops.log_param('seen', repr(version))",
        ],
    )
    result = invoke("promote", str(path), "--name", "train", "--gate", "score >= 0.5")
    assert result.exit_code == 0, result.output
    return result


def test_promote_prints_what_it_kept_dropped_and_inferred(train):
    out = train.output
    assert "Promoted pipeline 'train'" in out
    assert "dropped 1" in out and "tagged exploration" in out
    assert "alpha: float = 0.5" in out and "version: str = '1.0'" in out
    assert "gates: score >= 0.5" in out
    listed = invoke("pipeline", "list")
    assert listed.exit_code == 0 and "train" in listed.output and "alpha, version" in listed.output


def test_run_converts_by_declared_type_and_reuses_the_cache(train):
    result = invoke("pipeline", "run", "train", "-p", "version", "1.10", "-p", "alpha", "1")
    assert result.exit_code == 0, result.output
    assert "FINISHED" in result.output and "score=2" in result.output
    assert "gate score >= 0.5: passed" in result.output
    run_id = result.output.split("run ")[1].split()[0]
    assert mlops.get_run(run_id).params["seen"] == "'1.10'"
    again = invoke("pipeline", "run", "train", "-p", "version", "1.10", "-p", "alpha", "1")
    assert again.exit_code == 0 and "reused" in again.output and run_id in again.output


def test_wrong_type_is_a_usage_error_before_any_kernel(train):
    result = CliRunner().invoke(main, ["pipeline", "run", "train", "-p", "alpha", "high"])
    assert result.exit_code == 2
    assert "parameter 'alpha': expected a float, got 'high'" in result.output
    assert mlops.search_runs(children=True).empty


def test_params_file(train, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("alpha: 2.0\nversion: '2.0'\n")
    result = invoke("pipeline", "run", "train", "-f", str(f), "--json")
    assert result.exit_code == 0, result.output
    assert '"alpha": 2.0' in result.output and '"ok": true' in result.output


def test_failed_gate_exits_1(train):
    result = invoke("pipeline", "run", "train", "-p", "alpha", "0.1")
    assert result.exit_code == 1
    assert "gate score >= 0.5: FAILED" in result.output


def test_failing_notebook_exits_1_with_cell_and_error(mlops_home):
    path = write_notebook(
        mlops_home.parent / "bad.ipynb", ["x = 1", "import json\njson.loads('{oops')"]
    )
    invoke("promote", str(path), "--name", "bad")
    result = CliRunner().invoke(main, ["pipeline", "run", "bad"])
    assert result.exit_code == 1
    assert "FAILED" in result.stdout
    assert "JSONDecodeError" in result.stderr and "json.loads('{oops')" in result.stderr


def test_a_failing_magic_fails_the_run(mlops_home):
    path = write_notebook(
        mlops_home.parent / "magic.ipynb",
        ["%load_ext jupyter_mlops", "%mlops no-such-subcommand", "ran_on = True"],
    )
    invoke("promote", str(path), "--name", "magic")
    result = CliRunner().invoke(main, ["pipeline", "run", "magic"])
    assert result.exit_code == 1, result.output
    assert "UsageError" in result.stderr and "no-such-subcommand" in result.stderr
    run = mlops.search_runs().iloc[0]
    assert run["status"] == "FAILED"


def test_bad_names_and_files_are_usage_errors(mlops_home):
    bad = mlops_home.parent / "x.ipynb"
    bad.write_text("{}")
    assert invoke("promote", str(bad), "--name", "ok").exit_code == 2
    good = write_notebook(mlops_home.parent / "good.ipynb", ["x = 1"])
    result = invoke("promote", str(good), "--name", "a/b")
    assert result.exit_code == 2 and "no path separators" in result.output
    assert invoke("pipeline", "run", "missing").exit_code == 2


def test_ci_writes_a_workflow_that_runs_the_pipeline(train, mlops_home):
    result = invoke("pipeline", "ci", "train", "--schedule", "0 6 * * 1")
    assert result.exit_code == 0, result.output
    path = mlops_home.parent / ".github" / "workflows" / "mlops-train.yml"
    data = yaml.safe_load(path.read_text())
    on = data.get("on", data.get(True))
    assert on["schedule"] == [{"cron": "0 6 * * 1"}]
    assert "workflow_dispatch" in on
    steps = data["jobs"]["pipeline"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout") for u in uses)
    assert any(u.startswith("actions/setup-python") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pip install" in runs
    run_step = next(s for s in steps if "pipeline run" in s.get("run", ""))
    assert "jupyter mlops pipeline run pipelines/train" in run_step["run"]
    assert "if" not in run_step  # a failed gate (exit 1) fails the job
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"
    assert upload["with"]["path"] in run_step["run"]
    bad = invoke("pipeline", "ci", "train", "--schedule", "every monday")
    assert bad.exit_code == 2 and "cron" in bad.output


def test_sweep_prints_a_summary_table_and_exits_1_when_a_point_fails(train):
    result = invoke("pipeline", "run", "train", "--sweep", "alpha=0.1,1.0", "--no-progress")
    assert result.exit_code == 1, result.output  # alpha=0.1 misses the gate
    lines = result.output.splitlines()
    assert lines[0].startswith("sweep of train: parent run ")
    assert lines[1].split() == ["run", "alpha", "status", "score"]
    rows = {line.split()[1]: line for line in lines[3:5]}
    assert "FAILED (gate)" in rows["0.1"] and "FINISHED" in rows["1"]
