"""pipeline verify: a seeded notebook reproduces, one with unseeded randomness does not."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.notebooks import execute_notebook


def _notebook(make_notebook, name: str, rng: str):
    return make_notebook(
        f"{name}.ipynb",
        [
            "import numpy as np\nimport jupyter_mlops as mlops",
            ("seed = 7", ["parameters"]),
            f"rng = {rng}\n"
            "with mlops.start_run('train', params={'seed': seed}) as run:\n"
            "    run.log_metric('score', float(rng.random()))\n"
            "    run.log_metric('n', 3)",
        ],
    )


def test_verify_passes_on_a_seeded_notebook_with_the_origin_parameters(make_notebook):
    path = _notebook(make_notebook, "seeded", "np.random.default_rng(seed)")
    execute_notebook(path)
    promotion = mlops.promote_notebook(path, "seeded")
    assert promotion.origin_run_id is not None
    # a different default now: verify must still use the origin run's seed
    spec_file = promotion.spec.spec_path
    spec = yaml.safe_load(spec_file.read_text())
    spec["parameters"]["seed"]["default"] = 99
    spec_file.write_text(yaml.safe_dump(spec))
    result = mlops.verify_pipeline("seeded")
    assert result.ok, result.checks
    assert result.run.params == {"seed": 7}
    assert {c.metric for c in result.checks} == {"score", "n"}
    assert all(c.diff == 0 for c in result.checks)
    assert mlops.get_run(result.run.run_id).tags["mlops.pipeline.verifies"] == result.origin_run_id


def test_verify_fails_on_unseeded_randomness_and_exits_1(make_notebook):
    path = _notebook(make_notebook, "unseeded", "np.random.default_rng()")
    execute_notebook(path)
    mlops.promote_notebook(path, "unseeded")
    result = CliRunner().invoke(main, ["pipeline", "verify", "unseeded"])
    assert result.exit_code == 1, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "DIFFERS" in lines["score"] and lines["n"].rstrip().endswith("ok")
    assert "NOT reproduced" in result.output


def test_verify_needs_an_origin_run(make_notebook):
    mlops.promote_notebook(
        _notebook(make_notebook, "fresh", "np.random.default_rng(seed)"), "fresh"
    )
    result = CliRunner().invoke(main, ["pipeline", "verify", "fresh"])
    assert result.exit_code == 2 and "no origin run" in result.output


def test_a_deterministic_notebook_with_two_runs_verifies_run_by_run(make_notebook):
    path = make_notebook(
        "two.ipynb",
        [
            "import jupyter_mlops as mlops",
            ("seed = 3", ["parameters"]),
            "with mlops.start_run('logreg', params={'seed': seed}) as run:\n"
            "    run.log_metric('acc', 0.5 + seed / 100)",
            "with mlops.start_run('grid') as run:\n"
            "    run.log_metric('acc', 0.9)\n"
            "    run.log_metric('best_c', 2.0)",
        ],
    )
    execute_notebook(path)
    promotion = mlops.promote_notebook(path, "two")
    # the origin is the run the pipeline run stands for: the first, and promotion says so
    assert mlops.get_run(promotion.origin_run_id).info.name == "logreg"
    assert "2 top-level runs (logreg, grid)" in str(promotion)
    result = mlops.verify_pipeline("two")
    assert result.ok, result.checks
    assert [(c.run, c.metric, c.diff) for c in result.checks] == [
        ("logreg", "acc", 0.0),
        ("grid", "acc", 0.0),
        ("grid", "best_c", 0.0),
    ]
    counterpart = mlops.get_run(result.pairs[1][1])
    assert counterpart.info.name == "grid"
    assert counterpart.info.parent_run_id == result.run.run_id
    out = CliRunner().invoke(main, ["pipeline", "verify", "two"])
    assert out.exit_code == 0, out.output
    assert "reproduced" in out.output and "grid" in out.output


def test_a_store_error_tagging_the_verify_run_reaches_the_user(make_notebook, monkeypatch):
    from jupyter_mlops.errors import StoreError
    from jupyter_mlops.store import runs as run_store

    path = _notebook(make_notebook, "tagged", "np.random.default_rng(seed)")
    execute_notebook(path)
    mlops.promote_notebook(path, "tagged")
    set_tags = run_store.set_tags

    def failing(store, run_id, tags):
        if "mlops.pipeline.verifies" in tags:
            raise StoreError("the database is locked")
        set_tags(store, run_id, tags)

    monkeypatch.setattr(run_store, "set_tags", failing)
    with pytest.raises(StoreError, match="database is locked"):
        mlops.verify_pipeline("tagged")
