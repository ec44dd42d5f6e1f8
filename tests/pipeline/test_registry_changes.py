"""Registry changes of pipeline runs: shown and recorded; none at all under verify or --dry-run."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.notebooks import execute_notebook

REGISTERS = [
    "import jupyter_mlops as mlops\nfrom sklearn.dummy import DummyClassifier",
    ("strategy = 'most_frequent'", ["parameters"]),
    "with mlops.start_run('train', params={'strategy': strategy}) as run:\n"
    "    model = DummyClassifier(strategy=strategy).fit([[0], [1], [1]], [0, 1, 1])\n"
    "    run.log_metric('acc', float(model.score([[0], [1], [1]], [0, 1, 1])))\n"
    "    version = mlops.register_model('churn', model)\n"
    "    mlops.set_alias('churn', 'staging', version.version)\n"
    "    mlops.promote('churn', version.version, 'production', {'acc': '>= 0.5'})",
]


def _state():
    versions = [v.version for v in mlops.list_versions("churn")]
    return versions, mlops.get_model_version("churn@production").version


@pytest.fixture
def churn(make_notebook):
    path = make_notebook("churn.ipynb", REGISTERS)
    execute_notebook(path)
    assert _state() == ([1], 1)
    return mlops.promote_notebook(path, "churn")


def test_verify_changes_nothing_in_the_registry_and_says_what_it_would(churn):
    for _ in range(2):
        result = mlops.verify_pipeline("churn")
        assert result.ok, result.checks
        assert _state() == ([1], 1)
        assert [str(c) for c in result.run.registry_changes] == [
            "would register churn/2 (dry run)",
            "would move churn@staging: 1 -> 2 (dry run)",
            "would move churn@production: 1 -> 2 (dry run)",
        ]
        recorded = json.loads(mlops.load_artifact(result.run.run_id, "registry_changes.json"))
        assert recorded["dry_run"] is True and len(recorded["changes"]) == 3
    out = CliRunner().invoke(main, ["pipeline", "verify", "churn"])
    assert out.exit_code == 0, out.output
    assert "would move churn@production: 1 -> 2" in out.output
    assert _state() == ([1], 1)


def test_run_shows_every_change_it_made_and_dry_run_makes_none(churn):
    out = CliRunner().invoke(main, ["pipeline", "run", "churn"])
    assert out.exit_code == 0, out.output
    assert "registered churn/2" in out.output
    assert "moved churn@production: 1 -> 2" in out.output
    assert _state() == ([1, 2], 2)
    dry = CliRunner().invoke(main, ["pipeline", "run", "churn", "--force", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would register churn/3 (dry run)" in dry.output
    assert _state() == ([1, 2], 2)
    # a dry run never enters the cache: the next real run runs and registers
    assert not mlops.run_pipeline("churn", {"strategy": "prior"}, dry_run=True).cached
    real = mlops.run_pipeline("churn", {"strategy": "prior"})
    assert not real.cached and _state() == ([1, 2, 3], 3)
