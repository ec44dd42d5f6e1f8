"""%mlops runs --widget, %mlops drift --widget and %mlops registry in a real InteractiveShell."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from jupyter_mlops.registry.gate_rules import Gate


def _runs():
    for i in range(3):
        with mlops.start_run(f"r{i}", experiment="exp", params={"lr": i}):
            mlops.log_metric("loss", 1.0 / (i + 1))


def test_runs_widget_flag_returns_the_view(ip):
    _runs()
    view = ip.run_line_magic("mlops", "runs --widget --experiment exp --limit 2")
    assert isinstance(view, mlops.widgets.RunsView)
    assert view.total == 3 and len(view.frame) == 2 and view.experiment == "exp"
    table = ip.run_line_magic("mlops", "runs")  # without the flag: the magics' table
    assert isinstance(table, pd.DataFrame)
    with pytest.raises(UsageError, match="one --experiment"):
        ip.run_line_magic("mlops", "runs --widget -e a -e b")
    with pytest.raises(UsageError, match="experiment"):
        ip.run_line_magic("mlops", "runs --widget -e nope")


def test_drift_widget_flag_takes_refs_and_variables(ip):
    ref = pd.DataFrame({"x": [float(i) for i in range(200)], "c": ["a", "b"] * 100})
    mlops.snapshot(ref, "train")
    ip.user_ns["cur"] = ref.assign(x=ref["x"] + 50)
    view = ip.run_line_magic("mlops", "drift train@latest cur --widget")
    assert isinstance(view, mlops.widgets.DriftView)
    assert view.column == "x" and view.report.columns["drifted"].any()
    only = ip.run_line_magic("mlops", "drift train@latest cur -w -c c")
    assert list(only.scores["column"]) == ["c"]


def test_registry_magic_takes_the_gate_language_and_shows_the_core_error(ip):
    with pytest.raises(UsageError, match=r"--require: expected a gate METRIC OP VALUE.*'accuracy'"):
        ip.run_line_magic("mlops", "registry -r accuracy")
    with pytest.raises(UsageError, match=r"got 'f1 >= x'"):
        ip.run_line_magic("mlops", "registry -r 'accuracy>=current; f1 >= x'")


def test_registry_magic_with_gates(ip):
    assert ip.run_line_magic("mlops", "registry").model is None
    from sklearn.dummy import DummyClassifier

    with mlops.start_run("fit"):
        mlops.log_metric("accuracy", 0.7)
        mlops.register_model("dummy", DummyClassifier().fit([[0], [1]], [0, 1]))
    view = ip.run_line_magic("mlops", "registry dummy --require accuracy>=0.9")
    assert view.model == "dummy" and view.require == (Gate("accuracy", ">=", 0.9),)
    quoted = ip.run_line_magic("mlops", "registry 'dummy' -r \"accuracy >= 0.9\"")
    assert quoted.model == "dummy" and quoted.require == (Gate("accuracy", ">=", 0.9),)
    view.reason_box.value = "ship it"
    view.move_button.click()
    assert "gates failed" in view.result.value and mlops.get_model("dummy").aliases == {}
