"""Executing notebooks in a real kernel (used by the demo and the tests)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .kernels import kernel_config


def execute_notebook(
    path: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    cwd: str | os.PathLike | None = None,
    timeout: int = 600,
    kernel_name: str = "python3",
) -> nbformat.NotebookNode:
    """Run every cell of ``path`` in a fresh kernel; raise on the first failing cell.

    The kernel inherits this process's environment, with ``MLOPS_NOTEBOOK_PATH``
    naming the notebook so that its runs record where they came from.
    """
    nb = nbformat.read(path, as_version=4)
    previous = os.environ.get("MLOPS_NOTEBOOK_PATH")
    os.environ["MLOPS_NOTEBOOK_PATH"] = str(Path(path).resolve())
    try:
        with kernel_config() as config:
            NotebookClient(
                nb,
                config=config,
                kernel_name=kernel_name,
                timeout=timeout,
                resources={"metadata": {"path": str(cwd or Path(path).parent)}},
            ).execute()
    finally:
        if previous is None:
            os.environ.pop("MLOPS_NOTEBOOK_PATH", None)
        else:
            os.environ["MLOPS_NOTEBOOK_PATH"] = previous
    if output is not None:
        nbformat.write(nb, output)
    return nb
