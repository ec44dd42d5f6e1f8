"""The retraining loop on a real pipeline in a real kernel: alert, run, register, compare, promote or refuse."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.notebooks import execute_notebook

from ..pipeline.conftest import write_notebook
from .monitor_helpers import rows, serve

TRAINS = [
    "import jupyter_mlops as mlops\nfrom sklearn.linear_model import LogisticRegression",
    ("data = 'train@latest'", ["parameters"]),
    "with mlops.start_run('train'):\n"
    "    frame = mlops.load_snapshot(data)\n"
    "    model = LogisticRegression().fit(frame[['a', 'b']], frame['y'])\n"
    "    mlops.register_model('clf', model, input_example=frame[['a', 'b']].head())",
]
SILENT = [
    "import jupyter_mlops as mlops",
    ("data = 'train@latest'", ["parameters"]),
    "with mlops.start_run('train'):\n    frame = mlops.load_snapshot(data)",
]


def _events() -> list[str]:
    found = mlops.list_events(kind="retrain.*", limit=None)
    return [e.kind for e in reversed(found)]


def _state():
    return [v.version for v in mlops.list_versions("clf")], mlops.get_model_version(
        "clf@production"
    ).version


@pytest.fixture
def loop(mlops_home):
    """clf/1 (trained where y follows b) in production, a pipeline `churn`, a monitor with holdout where y follows a."""
    old = rows(100, 3000)
    old["y"] = (old.b > 0).astype(int)
    mlops.snapshot(old, "train", run=False)
    new = rows(7, 2000, shift=2.0)
    new["y"] = (new.a > 2.0).astype(int)
    mlops.snapshot(new, "holdout", run=False)
    path = write_notebook(mlops_home.parent / "churn.ipynb", TRAINS)
    execute_notebook(path)
    mlops.set_alias("clf", "production", 1)
    mlops.promote_notebook(path, "churn")
    mlops.monitor("drift", model="clf@production", reference="train@latest",
                  on_alert="retrain:churn", evaluation="holdout@latest", target="y")  # fmt: skip
    return mlops.load_model("clf/1")


def _traffic(model, clock, labels) -> str:
    """One shifted window, served and labelled by ``labels(frame)``; its id."""
    frame = rows(3, 1500, shift=2.0)
    (ids,) = serve(model, clock, [frame])
    mlops.log_labels("clf", pd.DataFrame({"id": ids, "label": labels(frame)}))
    return mlops.list_windows("clf")[-1].id


def test_an_alert_retrains_registers_compares_and_promotes(loop, clock):
    window = _traffic(loop, clock, lambda f: (f.a > 2.0).astype(int))
    done = mlops.run_monitor("drift")
    assert done.alerted
    result = done.retraining
    assert result is not None and result.status == "promoted", done.notes
    assert result.candidate == 2 and result.current == 1 and result.verdict == "better"
    promoted = mlops.list_events(kind="retrain.promoted")[0]
    assert promoted.payload["verdicts"]["accuracy"] == "better"
    assert result.reason == f"retrained after drift alert on window {window}"
    assert _state() == ([1, 2], 2)
    assert mlops.get_model_version("clf@candidate").version == 2
    assert _events() == ["retrain.started", "retrain.registered", "retrain.promoted"]
    started = mlops.list_events(kind="retrain.started")[0]
    assert started.reason == result.reason and started.payload["parameter"] == "data"
    trained = mlops.load_snapshot(started.payload["data"])
    assert list(trained.columns) == ["a", "b", "y"] and len(trained) == 1500


def test_a_retrained_model_that_loses_is_refused(loop, clock):
    _traffic(loop, clock, lambda f: (f.a < 2.0).astype(int))  # labels against the holdout's
    mlops.run_monitor("drift", retrain=False)
    out = CliRunner().invoke(main, ["retrain", "churn", "--monitor", "drift", "--json"])
    assert out.exit_code == 1, out.output
    body = json.loads(out.output)
    assert body["status"] == "refused" and body["verdict"] == "worse"
    assert any(not g["passed"] and g["metric"] == "accuracy" for g in body["gates"])
    assert _state() == ([1, 2], 1)
    assert _events() == ["retrain.started", "retrain.registered", "retrain.refused"]


def test_dry_run_changes_nothing(loop, clock):
    _traffic(loop, clock, lambda f: (f.a > 2.0).astype(int))
    mlops.run_monitor("drift", retrain=False)
    snaps = [s.ref for s in mlops.list_snapshots()]
    result = mlops.retrain("churn", monitor="drift", dry_run=True)
    assert result.status == "dry run" and result.parameter == "data"
    assert any("would promote" in s for s in result.steps)
    out = CliRunner().invoke(main, ["retrain", "churn", "--monitor", "drift", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "would run pipeline churn" in out.output
    assert _state() == ([1], 1) and _events() == []
    assert [s.ref for s in mlops.list_snapshots()] == snaps


def test_bad_input(loop, clock, mlops_home):
    with pytest.raises(NotFound):
        mlops.retrain("nope", monitor="nope")
    mlops.monitor("plain", model="clf@production", reference="train@latest")
    with pytest.raises(InvalidArgument, match="on_alert='retrain:churn'"):
        mlops.retrain("churn", monitor="plain")
    with pytest.raises(InvalidArgument, match="pipeline"):
        mlops.retrain("other", monitor="drift")
    with pytest.raises(InvalidArgument, match="labels"):
        mlops.retrain("churn", monitor="drift")  # no labelled window yet
    out = CliRunner().invoke(main, ["retrain", "churn", "--monitor", "plain"])
    assert out.exit_code == 2 and "on_alert" in out.output
    assert _events() == []


def test_a_pipeline_that_registers_no_model_fails_clearly(loop, mlops_home):
    path = write_notebook(mlops_home.parent / "silent.ipynb", SILENT)
    execute_notebook(path)
    mlops.promote_notebook(path, "silent")
    mlops.monitor("quiet", model="clf@production", reference="train@latest",
                  on_alert="retrain:silent", evaluation="holdout@latest", target="y")  # fmt: skip
    with pytest.raises(mlops.RetrainFailed, match="registered no version of clf"):
        mlops.retrain("silent", monitor="quiet", data="train@latest")
    assert _events() == ["retrain.started", "retrain.failed"]
    failed = mlops.list_events(kind="retrain.failed")[0]
    assert "registered no version" in failed.payload["error"]
    assert _state() == ([1], 1)


def test_retraining_terms_are_checked_when_declared(classifier):
    from .monitor_helpers import reference

    reference()
    base = {"model": "clf@production", "reference": "train@latest"}
    with pytest.raises(InvalidArgument, match="on_alert='retrain:PIPELINE' too"):
        mlops.monitor("m", **base, evaluation="train@latest", target="y")
    with pytest.raises(InvalidArgument, match="evaluation=SNAPSHOT too"):
        mlops.monitor("m", **base, on_alert="retrain:churn", target="y")
    with pytest.raises(NotFound):
        mlops.monitor("m", **base, on_alert="retrain:churn", evaluation="nope@latest")
    with pytest.raises(InvalidArgument, match="require"):
        mlops.monitor("m", **base, on_alert="retrain:churn", evaluation="train@latest",
                      require={"accuracy": "about right"})  # fmt: skip
    assert mlops.list_monitors() == []
    info = mlops.monitor("m", **base, on_alert="retrain:churn", evaluation="train@latest",
                         target="y", require="accuracy >= current")  # fmt: skip
    assert (
        mlops.get_monitor("m").retrain
        == info.retrain
        == {"evaluation": "train@latest", "target": "y", "require": ["accuracy >= current"]}
    )


def test_an_alert_whose_retraining_cannot_start_is_a_note(classifier, clock):
    from .monitor_helpers import reference

    reference()
    mlops.monitor(
        "m", model="clf@production", reference="train@latest", on_alert="retrain:churn"
    )  # fmt: skip  (no evaluation snapshot)
    serve(classifier, clock, [rows(3, 1500, shift=2.0)])
    run = mlops.run_monitor("m")
    assert run.alerted and run.retraining is None
    assert any(n.startswith("retraining failed:") and "evaluation=SNAPSHOT" in n for n in run.notes)
    assert mlops.get_monitor("m").n_alerts == 1 and _events() == []
