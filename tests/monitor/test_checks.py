"""run_monitor over real windows: drift both ways (seeded), performance only where labels exist."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main

from .monitor_helpers import reference, rows, serve


@pytest.fixture
def watched(classifier):
    reference()
    mlops.monitor("churn", model="clf@production", reference="train@latest",
                  drift={"share": 0.3}, performance={"accuracy": ">= 0.9"})  # fmt: skip
    return classifier


def test_a_monitor_with_no_windows_says_so(watched):
    run = mlops.run_monitor("churn")
    assert run.checks == [] and not run.alerted
    assert "no closed windows of clf@production yet" in run.notes[0]
    result = CliRunner().invoke(main, ["monitor", "run", "churn"])
    assert result.exit_code == 0, result.output
    assert "no closed windows" in result.output


def test_same_distribution_does_not_drift(watched, clock):
    serve(watched, clock, [rows(1), rows(2)])
    run = mlops.run_monitor("churn")
    assert [c.verdict for c in run.checks] == ["ok", "ok"], [c.statistics for c in run.checks]
    assert all(c.drift_share == 0.0 for c in run.checks)
    assert all(c.statistics["data"]["compared"] == 2 for c in run.checks)
    assert not run.alerted


def test_shifted_traffic_drifts_and_alerts(watched, clock):
    serve(watched, clock, [rows(1), rows(2, shift=1.5)])
    run = mlops.run_monitor("churn")
    quiet, shifted = run.checks
    assert quiet.verdict == "ok" and shifted.verdict == "alert"
    assert shifted.drift_share == 1.0
    assert sorted(shifted.statistics["data"]["drifted"]) == ["a", "b"]
    assert "2 of 2 input columns drifted" in shifted.statistics["reasons"][0]
    # No predictions in the reference: predictions compared with the first window.
    assert shifted.statistics["prediction"]["against"] == "window"
    assert quiet.statistics["prediction"]["drifted"] is False


def test_only_windows_closed_since_the_last_check_are_checked(watched, clock):
    serve(watched, clock, [rows(1)])
    assert len(mlops.run_monitor("churn").checks) == 1
    again = mlops.run_monitor("churn")
    assert again.checks == [] and again.notes == ["no windows closed since the last check"]
    serve(watched, clock, [rows(3)])
    assert len(mlops.run_monitor("churn").checks) == 1
    assert len(mlops.monitor_history("churn")) == 2


def test_performance_only_where_labels_exist(watched, clock):
    frames = [rows(1), rows(2)]
    ids = serve(watched, clock, frames)
    truth = [int(v) for v in (frames[0].a > 0)]
    wrong = [1 - int(p) for p in watched.predict(frames[1])]
    mlops.log_labels("clf", ids[0][:100], truth[:100])
    mlops.log_labels("clf", ids[1][:50], wrong[:50])
    serve(watched, clock, [rows(4)])
    labelled, bad, unlabelled = mlops.run_monitor("churn").checks
    assert labelled.n_labels == 100 and labelled.statistics["performance"]["accuracy"] > 0.9
    assert labelled.verdict == "ok"
    assert "roc_auc not computed" in " ".join(labelled.statistics["notes"])
    assert bad.statistics["performance"]["accuracy"] == 0.0
    assert bad.verdict == "alert"
    assert "accuracy >= 0.9 failed" in bad.statistics["reasons"][0]
    assert unlabelled.statistics["performance"] == {} and unlabelled.statistics["gates"] == []
    history = mlops.monitor_history("churn")
    assert list(history["n_labels"]) == [100, 50, 0]
    assert history["accuracy"].isna().tolist() == [False, False, True]


def test_regressor_metrics(regressor, clock, store):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    train = pd.DataFrame({"x0": rng.normal(size=300), "x1": rng.normal(size=300)})
    mlops.snapshot(train, "reg_train", run=False)
    mlops.monitor("reg", model="reg@production", reference="reg_train@latest",
                  performance="rmse < 0.5")  # fmt: skip
    from jupyter_mlops.monitor import InferenceLog

    log = InferenceLog("reg", tick=0.01, clock=clock)
    log.describe(1, ["x0", "x1"], {"x0": "double", "x1": "double"})
    ids = log.ids.take(300)
    preds = [float(p) for p in regressor.predict(train)]
    log.record({c: list(train[c]) for c in train}, preds, ids, 1, "production")
    log.close()
    mlops.log_labels("reg", ids[:20], [p + 1.0 for p in preds[:20]])
    (check,) = mlops.run_monitor("reg").checks
    perf = check.statistics["performance"]
    assert perf["mae"] == pytest.approx(1.0) and perf["rmse"] == pytest.approx(1.0)
    assert "r2" in perf
    assert check.alert and "rmse < 0.5 failed" in check.statistics["reasons"][0]


def test_reference_lacking_model_columns_is_reported_not_crashed_on(classifier, clock):
    import pandas as pd

    mlops.snapshot(pd.DataFrame({"a": rows(9).a}), "partial", run=False)
    mlops.monitor("m", model="clf@production", reference="partial@latest")
    serve(classifier, clock, [rows(1)])
    (check,) = mlops.run_monitor("m").checks
    assert list(check.statistics["data"]["columns"]) == ["a"]
    assert check.statistics["data"]["reference_missing"] == ["b"]
    assert any("lacks columns the model takes" in n and "b" in n for n in check.statistics["notes"])


def test_cli_exit_codes_and_json(watched, clock):
    serve(watched, clock, [rows(1)])
    ok = CliRunner().invoke(main, ["monitor", "run", "churn", "--json"])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.output)
    assert body[0]["alerted"] is False and len(body[0]["checks"]) == 1
    serve(watched, clock, [rows(2, shift=2.0)])
    alert = CliRunner().invoke(main, ["monitor", "run"])
    assert alert.exit_code == 1, alert.output
    assert "ALERT" in alert.output


def test_history_figure(watched, clock):
    serve(watched, clock, [rows(1), rows(2, shift=1.5)])
    mlops.run_monitor("churn")
    history = mlops.monitor_history("churn")
    assert list(history["verdict"]) == ["ok", "alert"]
    fig = history.figure()
    names = [t.get("name") for t in fig["data"]]
    assert "drift share" in names and "alert at" in names
    heat = fig["data"][-1]
    assert heat["type"] == "heatmap" and heat["y"] == ["a", "b"]
    assert heat["z"][0][1] > 1 > heat["z"][0][0]
    json.dumps(fig)


def test_ci_writes_a_scheduled_workflow(watched, tmp_path, monkeypatch):
    import yaml

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["monitor", "ci", "churn", "--schedule", "*/30 * * * *"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / ".github/workflows/mlops-monitor-churn.yml").read_text())
    assert data["on"]["schedule"] == [{"cron": "*/30 * * * *"}]
    runs = " ".join(s.get("run", "") for s in data["jobs"]["monitor"]["steps"])
    assert "jupyter mlops monitor run churn --json" in runs
    bad = CliRunner().invoke(main, ["monitor", "ci", "churn", "--schedule", "hourly"])
    assert bad.exit_code == 2 and "schedule" in bad.output
    missing = CliRunner().invoke(main, ["monitor", "ci", "nope"])
    assert missing.exit_code == 2 and "nope" in missing.output


def test_a_window_written_after_a_later_one_was_checked_is_still_checked(
    watched, clock, monkeypatch
):
    # A batch's windows land when the batch ends (a worker's when the store lets it):
    # a served window that closed later may have been checked meanwhile.
    from jupyter_mlops.monitor.batch_windows import BatchWindows

    real = BatchWindows.commit

    def commit_after_a_check(self, snapshot_id):
        clock.now = time.time() + 60  # the served window closes after the batch's
        serve(watched, clock, [rows(1)])
        assert len(mlops.run_monitor("churn").checks) == 1
        return real(self, snapshot_id)

    monkeypatch.setattr(BatchWindows, "commit", commit_after_a_check)
    scored = mlops.predict("clf@production", rows(2), chunk_rows=1_000)
    batch_windows = set(scored.attrs["batch_prediction"].window_ids)
    run = mlops.run_monitor("churn")
    assert {c.window_id for c in run.checks} == batch_windows
    assert mlops.run_monitor("churn").checks == []
    assert len(mlops.monitor_history("churn")) == 1 + len(batch_windows)
