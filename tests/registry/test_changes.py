"""Registry dry-run mode: nothing written, every would-be change described and logged."""

from __future__ import annotations

import json

import pytest
from sklearn.dummy import DummyClassifier

import jupyter_mlops as mlops
from jupyter_mlops.errors import NotFound
from jupyter_mlops.registry import changes


@pytest.fixture
def model():
    return DummyClassifier().fit([[0], [1]], [0, 1])


def test_dry_run_registers_and_moves_nothing_but_logs_what_it_would(
    store, model, monkeypatch, tmp_path
):
    mlops.register_model("m", model)
    mlops.set_alias("m", "production", 1)
    log = tmp_path / "changes.jsonl"
    monkeypatch.setenv(changes.ENV_LOG, str(log))
    monkeypatch.setenv(changes.ENV_DRY_RUN, "1")
    version = mlops.register_model("m", model)
    assert version.version == 2
    assert mlops.set_alias("m", "production", 2).from_version == 1
    assert mlops.promote("m", 2, "staging").version == 2
    with pytest.raises(NotFound):
        mlops.set_alias("m", "production", 9)
    monkeypatch.delenv(changes.ENV_DRY_RUN)
    assert [v.version for v in mlops.list_versions("m")] == [1]
    assert mlops.get_model_version("m@production").version == 1
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(c["action"], c["version"], c["alias"], c["dry_run"]) for c in logged] == [
        ("register", 2, None, True),
        ("alias", 2, "production", True),
        ("alias", 2, "staging", True),
    ]
    # outside dry-run the real changes are logged too
    mlops.register_model("m", model)
    assert str(changes.read_log(log)[-1]) == "registered m/2"
