"""The same gate text gives the same pipeline gates from the CLI, the magic and the core."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.pipeline.spec import load_spec
from jupyter_mlops.registry.gate_rules import parse_gates

TEXT = "m >= 0.5; loss<1"
EXPECTED = tuple(parse_gates(TEXT))


@pytest.fixture
def notebook(make_notebook):
    path = make_notebook("gated.ipynb", [("k = 3", ["parameters"]), "x = k"])
    with mlops.start_run("exploring", capture_context=False) as run:
        run.log_metric("m", 1.0)
    return path


def test_cli_pipeline_promote_reads_the_gate_language(notebook, monkeypatch):
    monkeypatch.chdir(notebook.parent)
    args = ["promote", str(notebook), "--name", "cli"]
    result = CliRunner().invoke(main, [*args, "--gate", TEXT], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert load_spec(notebook.parent / "pipelines" / "cli").gates == EXPECTED
    result = CliRunner().invoke(main, [*args, "--gate", "m >= current"])
    assert result.exit_code == 2
    assert "a pipeline gate compares the run's own metrics" in result.output


def test_magic_promote_reads_the_gate_language(notebook, ip):
    ip.run_line_magic("mlops", f"promote --name mag --notebook {notebook} --gate '{TEXT}'")
    assert load_spec(notebook.parent / "pipelines" / "mag").gates == EXPECTED
    line = f"promote --name mag2 --notebook {notebook} --gate 'm >= 0.5' --gate loss<1"
    ip.run_line_magic("mlops", line)
    assert load_spec(notebook.parent / "pipelines" / "mag2").gates == EXPECTED
    with pytest.raises(UsageError, match=r"gates: expected a gate .*got 'm >= high'"):
        ip.run_line_magic("mlops", f"promote --name bad --notebook {notebook} --gate 'm >= high'")
    assert not (notebook.parent / "pipelines" / "bad").exists()


def test_core_promote_notebook_takes_text_lists_and_gates(notebook):
    root = notebook.parent
    for gates in (TEXT, ["m >= 0.5", "loss<1"], list(EXPECTED)):
        promotion = mlops.promote_notebook(notebook, "core", gates=gates, root=root)
        assert promotion.spec.gates == EXPECTED
        assert isinstance(promotion, mlops.pipeline.NotebookPromotion)
    assert mlops.pipeline.Promotion is mlops.pipeline.NotebookPromotion
