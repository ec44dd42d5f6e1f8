"""Where a run says it came from: every notebook front end we support, for real."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.tracking import notebook_path
from jupyter_mlops.tracking.run import active_run

ROOT = Path(__file__).resolve().parents[2]


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


RUN_CELLS = (
    "%load_ext jupyter_mlops",
    "%mlops start from-papermill",
    "import jupyter_mlops as mlops\nprint('RUN', mlops.active_run().id)",
    "%mlops end",
)


def _run_id_from(output: Path) -> str:
    nb = nbformat.read(output, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            if text.startswith("RUN "):
                return text.split()[1]
    raise AssertionError("the notebook printed no run id")


@pytest.mark.slow
def test_papermill_command_line(mlops_home, tmp_path):
    source = _notebook(tmp_path / "train.ipynb", *RUN_CELLS)
    out = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    subprocess.run(
        [str(papermill), "train.ipynb", "out.ipynb", "-k", "python3"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    info = mlops.get_run(_run_id_from(out)).info
    assert (info.source_type, info.source_path) == ("notebook", str(source.resolve()))


@pytest.mark.slow
def test_papermill_api_with_injected_paths(mlops_home, tmp_path):
    """What ``papermill --inject-paths`` passes, through the Python API."""
    import papermill

    source = _notebook(tmp_path / "api.ipynb", *RUN_CELLS)
    out = tmp_path / "api-out.ipynb"
    papermill.execute_notebook(
        str(source),
        str(out),
        parameters={"PAPERMILL_INPUT_PATH": str(source), "PAPERMILL_OUTPUT_PATH": str(out)},
        kernel_name="python3",
        progress_bar=False,
    )
    info = mlops.get_run(_run_id_from(out)).info
    assert (info.source_type, info.source_path) == ("notebook", str(source))


def test_vs_code_notebook(ip):
    ip.user_ns["__vsc_ipynb_file__"] = "/home/u/project/explore.ipynb"
    ip.run_line_magic("mlops", "start vscode")
    info = active_run().info
    assert (info.source_type, info.source_path) == ("notebook", "/home/u/project/explore.ipynb")


def test_plain_ipython_is_not_a_script(ip):
    ip.run_line_magic("mlops", "start console")
    info = active_run().info
    assert info.source_type == "ipython" and info.source_path is None


def test_jupyterlab_session_name_is_made_absolute(ip, tmp_path, monkeypatch):
    (tmp_path / "lab.ipynb").write_text("{}")
    monkeypatch.setenv("JPY_SESSION_NAME", "work/lab.ipynb")  # relative to the server root
    ip.run_line_magic("mlops", "start lab")
    assert active_run().info.source_path == str(tmp_path / "lab.ipynb")


def test_kernel_id_from_the_connection_file(monkeypatch):
    import ipykernel.connect

    monkeypatch.setattr(
        ipykernel.connect,
        "get_connection_file",
        lambda: "/run/jupyter/kernel-5f1d2c3a-aaaa-bbbb-cccc-0123456789ab.json",
    )
    assert notebook_path.kernel_id() == "5f1d2c3a-aaaa-bbbb-cccc-0123456789ab"


def test_unreachable_server_gives_up_quickly():
    import time

    started = time.monotonic()
    servers = [{"url": "http://127.0.0.1:9/", "token": "x", "root_dir": "/"}]
    assert notebook_path.notebook_from_sessions("k", servers, timeout=0.5) is None
    assert time.monotonic() - started < 2


async def test_sessions_api_of_a_real_server(jp_fetch, jp_serverapp, jp_root_dir):
    (jp_root_dir / "work").mkdir()
    _notebook(jp_root_dir / "work" / "served.ipynb", "x = 1")
    reply = await jp_fetch(
        "api",
        "sessions",
        method="POST",
        body=json.dumps(
            {"path": "work/served.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
        ),
    )
    session = json.loads(reply.body)
    kid = session["kernel"]["id"]
    server = {
        "url": jp_serverapp.connection_url,
        "token": jp_serverapp.identity_provider.token,
        "root_dir": str(jp_root_dir),
    }
    found = await asyncio.to_thread(notebook_path.notebook_from_sessions, kid, [server], 5.0)
    assert found == str(jp_root_dir / "work" / "served.ipynb")
    missing = await asyncio.to_thread(notebook_path.notebook_from_sessions, "nope", [server], 5.0)
    assert missing is None
    await jp_fetch("api", "sessions", session["id"], method="DELETE")
