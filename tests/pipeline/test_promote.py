"""Promotion: cleaned copy, the parameters rule that applied, pipeline.yaml, bad input."""

from __future__ import annotations

import nbformat
import pytest
import yaml

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.pipeline.spec import load_spec


def _cells(promotion):
    return nbformat.read(str(promotion.spec.notebook_path), as_version=4).cells


def test_tagged_parameters_cell_is_kept_and_exploration_dropped(make_notebook):
    path = make_notebook(
        "analysis.ipynb",
        [
            "import math",
            ("alpha = 0.5\nn: int = 3", ["parameters"]),
            ("df.describe()", ["exploration"]),
            ("print('debug')", ["skip"]),
            "result = alpha * n",
            "%mlops promote --name train",
        ],
        markdown=True,
    )
    promotion = mlops.promote_notebook(path, "train")
    assert promotion.rule == "tagged"
    assert {d.reason for d in promotion.dropped} == {
        "tagged exploration",
        "tagged skip",
        "promotes the notebook",
    }
    cells = _cells(promotion)
    sources = [c.source for c in cells]
    assert sources == [
        "# A notebook",
        "import math",
        "alpha = 0.5\nn: int = 3",
        "result = alpha * n",
    ]
    code = [c for c in cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    spec = yaml.safe_load(promotion.spec.spec_path.read_text())
    assert spec["parameters"]["alpha"] == {"type": "float", "default": 0.5}
    assert spec["parameters"]["n"] == {"type": "int", "default": 3}
    assert spec["origin"]["parameters_rule"] == "tagged"
    text = str(promotion)
    assert (
        "dropped 3" in text and "alpha: float = 0.5" in text and "cell tagged 'parameters'" in text
    )


def test_mlops_param_lines_become_a_parameters_cell(make_notebook):
    path = make_notebook(
        "magic.ipynb",
        [
            "%load_ext jupyter_mlops",
            "%mlops param lr=0.01 optimizer=adam\n%mlops param epochs=5",
            "x = lr * epochs\n%mlops param note='hello world'",
        ],
    )
    promotion = mlops.promote_notebook(path, "magic")
    assert promotion.rule == "magic"
    assert {n: (p.type, p.default) for n, p in promotion.parameters.items()} == {
        "lr": ("float", 0.01),
        "optimizer": ("str", "adam"),
        "epochs": ("int", 5),
        "note": ("str", "hello world"),
    }
    cells = _cells(promotion)
    assert cells[0].source == "%load_ext jupyter_mlops"
    assert cells[1].metadata["tags"] == ["parameters"]
    assert "lr: float = 0.01" in cells[1].source
    assert cells[2].source == "x = lr * epochs"
    assert not any("%mlops param" in c.source for c in cells)


def test_first_cell_of_literal_assignments_becomes_parameters(make_notebook):
    path = make_notebook(
        "first.ipynb",
        ["import numpy as np\n%load_ext jupyter_mlops", "seed = 1\nsize = 10", "x = 1"],
    )
    promotion = mlops.promote_notebook(path, "first")
    assert promotion.rule == "first-cell"
    assert set(promotion.parameters) == {"seed", "size"}
    assert _cells(promotion)[1].metadata["tags"] == ["parameters"]


def test_no_parameters_found(make_notebook):
    path = make_notebook("none.ipynb", ["import os", "x = os.getcwd()"])
    promotion = mlops.promote_notebook(path, "none")
    assert promotion.rule == "none" and promotion.parameters == {}
    assert "takes no parameters" in str(promotion)


def test_origin_run_metrics_and_gates_are_declared(make_notebook, monkeypatch):
    path = make_notebook("origin.ipynb", [("a = 1", ["parameters"])])
    monkeypatch.setenv("MLOPS_NOTEBOOK_PATH", str(path))
    with mlops.start_run("interactive") as run:
        run.log_metric("acc", 0.9)
        run.log_artifact(b"x", "model.bin")
    monkeypatch.delenv("MLOPS_NOTEBOOK_PATH")
    promotion = mlops.promote_notebook(path, "origin", gates=["acc >= 0.8"])
    spec = load_spec(promotion.folder)
    assert spec.origin_run_id == run.id
    assert spec.metrics == ("acc",) and spec.artifacts == ("model.bin",)
    assert [str(g) for g in spec.gates] == ["acc >= 0.8"]
    # promoting again keeps the gates and says it updated the pipeline
    again = mlops.promote_notebook(path, "origin")
    assert again.updated and [str(g) for g in again.spec.gates] == ["acc >= 0.8"]
    assert [p.name for p in mlops.list_pipelines()] == ["origin"]


def test_a_file_that_is_not_a_notebook_is_refused(mlops_home):
    bad = mlops_home.parent / "notes.ipynb"
    bad.write_text("this is not json")
    with pytest.raises(InvalidArgument, match="a valid Jupyter notebook"):
        mlops.promote_notebook(bad, "bad")
    wrong = mlops_home.parent / "wrong.ipynb"
    wrong.write_text('{"cells": "nope"}')
    with pytest.raises(InvalidArgument, match="a valid Jupyter notebook"):
        mlops.promote_notebook(wrong, "bad")
    assert not (mlops_home.parent / "pipelines" / "bad").exists()


def test_non_literal_parameters_cell_is_refused_and_nothing_written(make_notebook):
    path = make_notebook("expr.ipynb", [("import os\nalpha = 1 / 3", ["parameters"])])
    with pytest.raises(InvalidArgument, match="parameters cell, line 1"):
        mlops.promote_notebook(path, "expr")
    assert not (path.parent / "pipelines" / "expr").exists()


def test_a_parameter_shadowing_a_builtin_is_refused(make_notebook):
    path = make_notebook("shadow.ipynb", [("list = [1, 2]", ["parameters"])])
    with pytest.raises(InvalidArgument, match="shadow a Python builtin"):
        mlops.promote_notebook(path, "shadow")


def test_a_name_with_path_separators_is_refused(make_notebook):
    path = make_notebook("ok.ipynb", ["x = 1"])
    with pytest.raises(InvalidArgument, match="no path separators"):
        mlops.promote_notebook(path, "../escape")
    assert not (path.parent.parent / "escape").exists()


def test_a_windows_path_in_a_param_line_is_kept_as_the_magic_reads_it(make_notebook):
    from jupyter_mlops.magics.router import split_line

    line = r'data=C:\data\train.csv out="C:\My Data\out"'
    path = make_notebook("win.ipynb", ["%mlops param " + line])
    promotion = mlops.promote_notebook(path, "win")
    defaults = {n: p.default for n, p in promotion.parameters.items()}
    assert defaults == {"data": r"C:\data\train.csv", "out": r"C:\My Data\out"}
    # the same words the %mlops param magic gets from the router
    assert [w.partition("=")[2] for w in split_line(line)] == list(defaults.values())


def test_an_unbalanced_quote_in_a_param_line_names_the_line(make_notebook):
    path = make_notebook("quote.ipynb", ["%mlops param note='half"])
    with pytest.raises(InvalidArgument, match="unbalanced '") as err:
        mlops.promote_notebook(path, "quote")
    assert "note='half" in str(err.value)
    assert not (path.parent / "pipelines" / "quote").exists()
