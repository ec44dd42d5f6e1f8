"""``jupyter mlops runs ...`` invoked in-process, plus one real ``jupyter mlops`` call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main


@pytest.fixture
def two_runs(mlops_home):
    ids = []
    for alpha in (0.1, 0.2):
        with mlops.start_run(
            f"a{alpha}", experiment="cli", params={"alpha": alpha, "model": "ridge"}
        ) as r:
            mlops.log_metrics({"acc": alpha * 4, "nan": float("nan")})
        ids.append(r.id)
    return ids


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_runs_list_table_and_json(two_runs):
    res = invoke("runs", "list")
    assert res.exit_code == 0
    assert "a0.1" in res.output and "a0.2" in res.output and "FINISHED" in res.output
    res = invoke("runs", "list", "--json", "--filter", "metrics.acc > 0.5")
    records = json.loads(res.output)
    assert [r["name"] for r in records] == ["a0.2"]
    assert records[0]["metrics.nan"] == "NaN"


def test_runs_show(two_runs):
    res = invoke("runs", "show", two_runs[0][:8])
    assert res.exit_code == 0
    assert two_runs[0] in res.output and "alpha" in res.output
    data = json.loads(invoke("runs", "show", two_runs[0], "--json").output)
    assert data["params"] == {"alpha": "0.1", "model": "ridge"} and data["status"] == "FINISHED"


def test_runs_compare(two_runs):
    res = invoke("runs", "compare", *two_runs)
    assert res.exit_code == 0
    assert "alpha" in res.output and "acc" in res.output
    assert "model" not in res.output  # equal rows hidden by default
    assert "model" in invoke("runs", "compare", "--all", *two_runs).output
    data = json.loads(invoke("runs", "compare", "--json", *two_runs).output)
    assert {r["key"] for r in data["rows"]} == {"alpha", "acc"}


def test_errors_exit_non_zero_with_one_line(mlops_home):
    res = invoke("runs", "show", "0" * 32)
    assert res.exit_code == 2
    assert res.output.strip().startswith("Error: run '000") and "Traceback" not in res.output
    res = invoke("runs", "list", "--filter", "acc >")
    assert res.exit_code == 2 and "filter" in res.output
    res = invoke("runs", "compare", "abc")
    assert res.exit_code == 2
    assert invoke("runs", "list", "--limit", "-1").exit_code == 2


def test_empty_store(mlops_home):
    assert "no runs" in invoke("runs", "list").output


def test_jupyter_mlops_entry_point(two_runs):
    jupyter = Path(sys.executable).parent / "jupyter"
    proc = subprocess.run(
        [str(jupyter), "mlops", "runs", "list", "--json"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 2
