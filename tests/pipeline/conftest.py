"""Fixtures for pipeline tests: notebooks written from a list of cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat
import pytest

Cell = str | tuple[str, Sequence[str]]


def write_notebook(
    path: Path, cells: Sequence[Cell], kernel: str = "python3", markdown: bool = False
) -> Path:
    """A notebook whose code cells are ``cells`` (a source, or (source, tags))."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    if markdown:
        nb.cells.append(nbformat.v4.new_markdown_cell("# A notebook"))
    for cell in cells:
        source, tags = (cell, ()) if isinstance(cell, str) else cell
        node = nbformat.v4.new_code_cell(source)
        if tags:
            node.metadata["tags"] = list(tags)
        node.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output\n")]
        node.execution_count = 7
        nb.cells.append(node)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def make_notebook(mlops_home: Path) -> Callable[..., Path]:
    root = mlops_home.parent

    def make(name: str, cells: Sequence[Cell], **kw) -> Path:
        return write_notebook(root / name, cells, **kw)

    return make


@pytest.fixture
def clean_attach():
    from jupyter_mlops.tracking import attach

    attach._reset_for_tests()
    yield
    attach._reset_for_tests()
