"""Executed notebooks talk to their kernel over IPC, in a folder removed afterwards."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.notebooks import execute_notebook

PROBE = (
    "from ipykernel.kernelapp import IPKernelApp\n"
    "app = IPKernelApp.instance()\n"
    "print(app.transport, app.ip)"
)


@pytest.mark.skipif(os.name == "nt", reason="IPC transport needs Unix sockets")
def test_notebooks_run_over_ipc_in_a_private_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    out = execute_notebook(path)
    transport, ip = out.cells[0].outputs[0]["text"].split()
    assert transport == "ipc"
    folder = Path(ip).parent
    assert folder.parent == tmp_path and folder.name.startswith("mlops-kernel-")
    assert not folder.exists()
