"""%mlops monitor in a real InteractiveShell: declare, list, run, history, delete."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from tests.monitor.conftest import Clock
from tests.monitor.monitor_helpers import reference, rows, serve


@pytest.fixture
def served(ip):
    from sklearn.linear_model import LogisticRegression

    train = rows(0, 200)
    model = LogisticRegression().fit(train, (train.a > 0).astype(int))
    mlops.register_model("clf", model)
    mlops.set_alias("clf", "production", 1)
    reference()
    serve(model, Clock(), [rows(1), rows(2, shift=2.0)])
    return model


def test_declare_run_history_delete(ip, served):
    info = ip.run_line_magic(
        "mlops", "monitor declare churn --model clf@production --share 0.5 -p 'accuracy >= 0.9'"
    )
    assert info.drift == {"share": 0.5} and info.performance == ("accuracy >= 0.9",)
    assert [m.name for m in ip.run_line_magic("mlops", "monitor list")] == ["churn"]
    run = ip.run_line_magic("mlops", "monitor run churn")
    assert run.alerted and [c.verdict for c in run.checks] == ["ok", "alert"]
    history = ip.run_line_magic("mlops", "monitor history churn")
    assert list(history["verdict"]) == ["ok", "alert"]
    ip.run_line_magic("mlops", "monitor delete churn")
    assert mlops.list_monitors() == []


def test_usage_errors_are_one_line(ip, served):
    with pytest.raises(UsageError, match="needs NAME"):
        ip.run_line_magic("mlops", "monitor show")
    with pytest.raises(UsageError, match="--model"):
        ip.run_line_magic("mlops", "monitor declare churn")
    with pytest.raises(UsageError):
        ip.run_line_magic("mlops", "monitor explode churn")


def test_repeated_performance_options_are_all_kept(ip, served):
    info = ip.run_line_magic(
        "mlops",
        "monitor declare churn --model clf@production -p 'accuracy >= 0.9' "
        '--performance "f1 >= 0.8"',
    )
    assert info.performance == ("accuracy >= 0.9", "f1 >= 0.8")
    info = ip.run_line_magic("mlops", "monitor declare churn --model clf@production -p 'f1 > 0.5'")
    assert info.performance == ("f1 > 0.5",)


def test_an_edit_without_reference_keeps_the_monitors(ip, served):
    mlops.snapshot(rows(5), "holdout", run=False)
    ip.run_line_magic("mlops", "monitor declare churn --model clf@production -r holdout@latest")
    info = ip.run_line_magic("mlops", "monitor declare churn --model clf@production --share 0.5")
    assert (info.reference, info.drift) == ("holdout@latest", {"share": 0.5})
    fresh = ip.run_line_magic("mlops", "monitor declare other --model clf@production")
    assert fresh.reference == "train@latest"
