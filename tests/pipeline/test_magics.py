"""%mlops promote in a real IPython shell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops
from jupyter_mlops.pipeline.spec import load_spec


def test_promote_magic_uses_the_active_run_as_origin(ip, make_notebook, capsys):
    path = make_notebook("here.ipynb", [("k = 3", ["parameters"]), "%mlops promote --name here"])
    run = mlops.start_run("exploring")
    run.log_metric("m", 1.0)
    ip.run_line_magic("mlops", f"promote --name here --notebook {path} --gate 'm>=0.5'")
    out = capsys.readouterr().out
    assert "Promoted pipeline 'here'" in out and "k: int = 3" in out
    spec = load_spec(path.parent / "pipelines" / "here")
    assert spec.origin_run_id == run.id and [str(g) for g in spec.gates] == ["m >= 0.5"]


def test_promote_magic_errors_are_one_line(ip, make_notebook, monkeypatch):
    path = make_notebook("x.ipynb", ["x = 1"])
    with pytest.raises(UsageError, match="no path separators"):
        ip.run_line_magic("mlops", f"promote --name a/b --notebook {path}")
    monkeypatch.delenv("MLOPS_NOTEBOOK_PATH", raising=False)
    with pytest.raises(UsageError, match="cannot tell which notebook"):
        ip.run_line_magic("mlops", "promote --name x")
    with pytest.raises(UsageError):
        ip.run_line_magic("mlops", "promote")


def test_promote_magic_unquotes_gates_and_paths(ip, make_notebook):
    path = make_notebook("my notebook.ipynb", [("k = 3", ["parameters"]), "x = k"])
    run = mlops.start_run("exploring")
    run.log_metric("m", 1.0)
    ip.run_line_magic("mlops", f"promote --name spaced --notebook \"{path}\" --gate 'm >= 0.5'")
    spec = load_spec(path.parent / "pipelines" / "spaced")
    assert [str(g) for g in spec.gates] == ["m >= 0.5"]
