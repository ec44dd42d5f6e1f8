"""%mlops snapshot / validate / drift in a real IPython shell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops

from .conftest import make_frame


def test_snapshot_variable_named_after_it(ip):
    ip.user_ns["train_df"] = make_frame(500, seed=1)
    info = ip.run_line_magic("mlops", "snapshot train_df")
    assert info.ref == "train_df@1"
    again = ip.run_line_magic("mlops", "snapshot train_df --name train -d first cut")
    assert again.ref == "train@1" and again.description == "first cut"
    assert mlops.get_snapshot("train@latest") == again


def test_snapshot_inside_a_run_records_lineage(ip):
    ip.user_ns["df"] = make_frame(500, seed=2)
    ip.run_cell("import jupyter_mlops as mlops\nrun = mlops.start_run('fit')")
    info = ip.run_line_magic("mlops", "snapshot df --name data")
    ip.run_line_magic("mlops", "snapshot df --name copy --no-run")
    ip.run_cell("run.end()")
    assert mlops.snapshots_of_run(ip.user_ns["run"].id) == [info]


def test_snapshot_of_an_attribute_needs_a_name_and_expressions_are_refused(ip):
    import types

    ip.user_ns["data"] = types.SimpleNamespace(head=make_frame(10))
    with pytest.raises(UsageError, match="--name"):
        ip.run_line_magic("mlops", "snapshot data.head")
    info = ip.run_line_magic("mlops", "snapshot data.head --name head")
    assert info.n_rows == 10
    ip.user_ns["df"] = make_frame(100)
    with pytest.raises(UsageError, match="expected a variable name or NAME.ATTRIBUTE"):
        ip.run_line_magic("mlops", "snapshot df.head(10) --name head")


def test_missing_variable_and_bad_args_are_usage_errors(ip):
    with pytest.raises(UsageError, match="no variable"):
        ip.run_line_magic("mlops", "snapshot nothing_here")
    with pytest.raises(UsageError):
        ip.run_line_magic("mlops", "validate df")  # --against is required


def test_validate_and_drift_render(ip):
    ip.user_ns["ref"] = make_frame(3000, seed=1)
    ip.user_ns["cur"] = make_frame(3000, seed=2, shift=1.0)
    ip.run_line_magic("mlops", "snapshot ref --name base")
    report = ip.run_line_magic("mlops", "validate cur --against base@1")
    assert report.ok
    drift = ip.run_line_magic("mlops", "drift base@1 cur")
    assert drift.drifted_columns == ["x"] and drift.reference == "base@1"
    assert "<table" in drift._repr_html_()
    only = ip.run_line_magic("mlops", "drift ref cur -c city")
    assert list(only.columns["column"]) == ["city"]
    # through run_cell, the result is displayed without error
    result = ip.run_cell("%mlops drift base@1 cur")
    assert result.success


def test_snapshots_listing(ip):
    ip.user_ns["df"] = make_frame(100, seed=1)
    ip.run_line_magic("mlops", "snapshot df --name a")
    ip.user_ns["df"] = make_frame(100, seed=2)
    ip.run_line_magic("mlops", "snapshot df --name a")
    frame = ip.run_line_magic("mlops", "snapshots")
    assert list(frame["ref"]) == ["a@2", "a@1"]
    assert list(ip.run_line_magic("mlops", "snapshots a --latest")["ref"]) == ["a@2"]
    assert ip.run_line_magic("mlops", "snapshots nothing").empty


def test_quoted_description_column_and_reference(ip):
    frame = make_frame(500, seed=1).rename(columns={"city": "home city"})
    ip.user_ns["df"] = frame
    info = ip.run_line_magic("mlops", "snapshot df --name base -d \"first cut, 'clean'\"")
    assert info.description == "first cut, 'clean'"
    assert ip.run_line_magic("mlops", "validate df --against 'base@1'").ok
    drift = ip.run_line_magic("mlops", "drift \"base@1\" df -c 'home city'")
    assert list(drift.columns["column"]) == ["home city"]
