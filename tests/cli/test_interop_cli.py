"""``jupyter mlops import mlflow`` invoked in-process on a real MLflow store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from tests.interop.mlflow_source import MlflowSource, make_mlflow_store

pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> MlflowSource:
    return make_mlflow_store(tmp_path_factory.mktemp("mlflow"))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_mlflow_json_then_again_creates_nothing(source, mlops_home):
    res = invoke(
        "import", "mlflow", "--tracking-uri", source.uri, "--experiment", "churn", "--json"
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["created"]["runs"] == 2 and report["created"]["model_versions"] == 2
    assert set(report["runs"]) == {source.parent_id, source.child_id}
    kinds = {s["kind"] for s in report["skipped"]}
    assert {"artifact", "run", "loadable model"} <= kinds
    assert (
        mlops.get_run(report["runs"][source.child_id]).info.parent_run_id
        == (report["runs"][source.parent_id])
    )

    res = invoke("import", "mlflow", "--tracking-uri", source.uri, "--experiment", "churn")
    assert res.exit_code == 0, res.output
    assert "Imported nothing new." in res.output
    assert "already imported as" in res.output and "already points at churn-model/1" in res.output


def test_trust_flag_reaches_the_core(source, mlops_home):
    res = invoke("import", "mlflow", "--tracking-uri", source.uri, "--trust", "--json")
    assert res.exit_code == 0, res.output
    assert not [s for s in json.loads(res.output)["skipped"] if s["kind"] == "loadable model"]
    assert mlops.get_model_version("churn-model@challenger").format == "skops"


def test_unknown_experiment_exits_2_naming_it(source, mlops_home):
    res = invoke("import", "mlflow", "--tracking-uri", source.uri, "--experiment", "nope")
    assert res.exit_code == 2
    assert "'nope' is not in the MLflow store" in res.output


def test_missing_store_exits_2(mlops_home, tmp_path):
    res = invoke("import", "mlflow", "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert res.exit_code == 2
    assert "tracking_uri: expected a reachable MLflow tracking server" in res.output
