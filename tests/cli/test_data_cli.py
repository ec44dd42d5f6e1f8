"""``jupyter mlops snapshots|validate|drift`` invoked in-process: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from tests.data.conftest import make_frame


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def snaps(mlops_home):
    with mlops.start_run("prep") as run:
        a = mlops.snapshot(make_frame(3000, seed=1), "train", description="first cut")
    b = mlops.snapshot(make_frame(3000, seed=2, shift=1.0, mix=[0.1, 0.1, 0.8]), "train")
    return a, b, run


def test_snapshots_list_and_show(snaps):
    a, _b, run = snaps
    res = invoke("snapshots", "list")
    assert res.exit_code == 0
    assert "train@2" in res.output and "train@1" in res.output and "fingerprint" in res.output
    res = invoke("snapshots", "list", "--latest", "--json")
    assert [r["ref"] for r in json.loads(res.output)] == ["train@2"]
    res = invoke("snapshots", "show", "train@1")
    assert res.exit_code == 0
    assert a.fingerprint in res.output and "first cut" in res.output
    assert "city" in res.output and run.id[:8] in res.output
    record = json.loads(invoke("snapshots", "show", "train@1", "--json").output)
    assert record["runs"] == [run.id] and record["n_rows"] == 3000
    assert {p["column"] for p in record["profile"]} == {"x", "y", "city", "flag", "when"}


def test_empty_list_and_unknown_snapshot(mlops_home):
    assert invoke("snapshots", "list").output.strip() == "no snapshots"
    res = CliRunner().invoke(main, ["snapshots", "show", "nope@1"])
    assert res.exit_code == 2 and "Error:" in res.output and "does not exist" in res.output


def test_drift_between_snapshots_exits_1_and_writes_json(snaps, tmp_path):
    out = tmp_path / "drift.json"
    res = invoke("drift", "train@1", "train@latest")
    assert res.exit_code == 0 and "no drift" in res.output  # 2 of 5 columns < half
    res = invoke("drift", "train@1", "train@latest", "--json", str(out), "--drift-share", "0.4")
    assert res.exit_code == 1
    assert "DRIFTED" in res.output and "wasserstein" in res.output
    payload = json.loads(out.read_text())
    assert payload["drifted"] is True
    assert {c["column"] for c in payload["columns"] if c["drifted"]} == {"x", "city"}
    assert "x" in payload["distributions"]


def test_drift_without_drift_exits_0_and_reads_files(snaps, tmp_path):
    path = tmp_path / "cur.parquet"
    make_frame(3000, seed=7).to_parquet(path)
    res = invoke("drift", "train@1", str(path))
    assert res.exit_code == 0 and "no drift" in res.output
    assert f"train@1 -> {path}" in res.output
    csv = tmp_path / "cur.csv"
    make_frame(3000, seed=7, shift=2.0).to_csv(csv, index=False)
    res = invoke("drift", "train@1", str(csv), "--column", "x")
    assert res.exit_code == 1


def test_validate_file(snaps, tmp_path):
    good, bad = tmp_path / "good.parquet", tmp_path / "bad.csv"
    make_frame(500, seed=8).to_parquet(good)
    frame = make_frame(500, seed=8)
    frame.loc[0, "city"] = "atlantis"
    frame.loc[1, "x"] = np.nan
    frame.to_csv(bad, index=False)
    res = invoke("validate", str(good), "--against", "train@1")
    assert res.exit_code == 0 and res.output.startswith("ok:")
    out = tmp_path / "v.json"
    res = invoke("validate", str(bad), "--against", "train@1", "--json", str(out))
    assert res.exit_code == 1
    assert "atlantis" in res.output and "allowed_values" in res.output
    assert json.loads(out.read_text())["ok"] is False


def test_bad_input_exits_2(snaps, tmp_path):
    res = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.csv"), "--against", "train@1"])
    assert res.exit_code == 2 and "existing CSV or Parquet" in res.output
    empty = tmp_path / "empty.csv"
    pd.DataFrame({"x": []}).to_csv(empty, index=False)
    res = CliRunner().invoke(main, ["drift", "train@1", str(empty)])
    assert res.exit_code == 2 and "at least one row" in res.output


def test_real_jupyter_mlops_drift_exit_code(snaps, tmp_path):
    """The installed ``jupyter mlops`` executable, as CI would call it."""
    jupyter = Path(sys.executable).parent / "jupyter"
    out = tmp_path / "d.json"
    cmd = [str(jupyter), "mlops", "drift", "train@1", "train@2", "--drift-share", "0.4"]
    proc = subprocess.run([*cmd, "--json", str(out)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(out.read_text())["drifted"] is True


def test_drift_of_a_features_only_batch_does_not_count_the_target(mlops_home, tmp_path):
    train = make_frame(3000, seed=1)
    train["target"] = train["x"] > 0
    mlops.snapshot(train, "train")
    batch = tmp_path / "batch.parquet"
    make_frame(3000, seed=2, shift=1.0, mix=[0.1, 0.1, 0.8]).to_parquet(batch)
    res = invoke("drift", "train@1", str(batch))
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert "no drift" in first and "2 of 5 columns drifted, dataset drift needs 50%" in first
    assert "only in reference" in res.output and "target" in res.output
    res = invoke("drift", "train@1", str(batch), "--missing", "drift")
    assert res.exit_code == 1 and "3 of 6 columns drifted" in res.output


def test_fail_on_column_exits_1_on_any_drifted_column(snaps, tmp_path):
    res = invoke("drift", "train@1", "train@latest", "--fail-on", "dataset")
    assert res.exit_code == 0 and "2 of 5 columns drifted, dataset drift needs 50%" in res.output
    out = tmp_path / "d.json"
    res = invoke("drift", "train@1", "train@latest", "--fail-on", "column", "--json", str(out))
    assert res.exit_code == 1
    assert "check failed" in res.output and "x, city" in res.output
    payload = json.loads(out.read_text())
    assert payload["failed"] is True and payload["drifted"] is False
    res = CliRunner().invoke(main, ["drift", "train@1", "train@latest", "--fail-on", "col"])
    assert res.exit_code == 2 and "--fail-on" in res.output
