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


def test_runs_list_columns(two_runs):
    res = invoke("runs", "list", "--columns", "metrics.acc,params.alpha,tags.none")
    assert res.exit_code == 0
    header = res.output.splitlines()[0].split()
    assert header == ["run_id", "metrics.acc", "params.alpha", "tags.none"]
    assert "0.8" in res.output and "0.2" in res.output and "ridge" not in res.output
    records = json.loads(invoke("runs", "list", "--json", "--columns", "params.alpha").output)
    assert [set(r) for r in records] == [{"run_id", "params.alpha"}] * 2
    res = CliRunner().invoke(main, ["runs", "list", "--columns", "acc"])
    assert res.exit_code == 2 and "--columns" in res.output and "metrics.K" in res.output


def test_runs_show_says_a_prefix_is_too_short(two_runs):
    res = CliRunner().invoke(main, ["runs", "show", two_runs[0][:1]])
    assert res.exit_code == 2
    assert "at least 6 characters" in res.output and "does not exist" not in res.output


def test_runs_delete_restore_and_gc(two_runs):
    keep, gone = two_runs
    res = invoke("runs", "delete", gone[:8], "--reason", "bad seed")
    assert res.exit_code == 0 and gone[:8] in res.output and "runs restore" in res.output
    listed = {r["run_id"] for r in json.loads(invoke("runs", "list", "--json").output)}
    assert listed == {keep}
    deleted = json.loads(invoke("runs", "list", "--json", "--deleted").output)
    assert {r["run_id"]: r["lifecycle"] for r in deleted} == {keep: "active", gone: "deleted"}
    assert "restored 1 run" in invoke("runs", "restore", gone).output
    invoke("runs", "delete", gone)
    res = invoke("gc", "--grace", "0", "--dry-run")
    assert res.exit_code == 0 and res.output.startswith("would remove 1 deleted run")
    assert mlops.get_run(gone)
    res = invoke("gc", "--grace", "0")
    assert (
        res.exit_code == 0
        and res.output.startswith("removed 1 deleted run")
        and "freed" in res.output
    )
    assert invoke("runs", "show", gone).exit_code == 2
    report = json.loads(invoke("gc", "--json").output)
    assert report["runs_removed"] == [] and report["bytes_freed"] == 0


def test_experiments_list(two_runs):
    with mlops.start_run("p", experiment="other"):
        with mlops.start_run("c"):
            pass
    res = invoke("experiments", "list")
    assert res.exit_code == 0
    rows = {line.split()[0]: line.split()[1:3] for line in res.output.splitlines()[2:]}
    assert rows["cli"] == ["2", "2"] and rows["other"] == ["1", "2"]
    data = json.loads(invoke("experiments", "list", "--json").output)
    assert {d["name"]: d["all_runs"] for d in data} == {"cli": 2, "other": 2}


def test_artifacts_get_downloads_to_a_path(mlops_home, tmp_path):
    with mlops.start_run("art") as run:
        mlops.log_artifact(b"<notebook/>", "output.ipynb")
    res = invoke("artifacts", "list", run.id[:8])
    assert "output.ipynb" in res.output
    target = tmp_path / "out" / "failed.ipynb"
    res = invoke("artifacts", "get", run.id[:8], "output.ipynb", "-o", str(target))
    assert res.exit_code == 0 and res.output.strip() == str(target)
    assert target.read_bytes() == b"<notebook/>"
    folder = tmp_path / "here"
    folder.mkdir()
    invoke("artifacts", "get", run.id, "output.ipynb", "--output", str(folder))
    assert (folder / "output.ipynb").read_bytes() == b"<notebook/>"
    res = CliRunner().invoke(main, ["artifacts", "get", run.id, "nope.txt"])
    assert res.exit_code == 2 and "output.ipynb" in res.output
