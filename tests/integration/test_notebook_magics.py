"""The magics in a real kernel executing a real .ipynb (nbclient), and kernels that die."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

import jupyter_mlops as mlops
from jupyter_mlops import config
from jupyter_mlops.store import Store
from tests.conftest import wait_for

CELLS = [
    "%load_ext jupyter_mlops\nimport jupyter_mlops as mlops",
    "from sklearn.datasets import load_iris\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "X, y = load_iris(return_X_y=True, as_frame=True)",
    "%mlops autolog sklearn",
    "%mlops start manual --experiment nb --param lr=0.1 --tag kind=manual",
    "model = LogisticRegression(max_iter=300).fit(X, y)\nacc = model.score(X, y)",
    "%mlops log acc loss=0.1 note=ok --step 1",
    "%mlops param solver=lbfgs",
    "import pandas as pd\nsummary = pd.DataFrame({'acc': [acc]})\n%mlops artifact summary",
    "%mlops status",
    "%mlops show",
    "%mlops start second --experiment nb",
    "%mlops end --status failed",
    "%mlops runs --experiment nb",
    "%%mlops run attempt --experiment nb --param C=1.0\n"
    "m = LogisticRegression(C=1.0, max_iter=300).fit(X, y)\n"
    "%mlops log acc=0.5",
    "%mlops compare --attempts",
    "a, b = mlops.search_runs(experiment='nb', order_by='start_time')['run_id'][:2]\n"
    "%mlops compare $a $b",
    "%%mlops run broken --experiment nb\nraise RuntimeError('boom')",
    "%mlops autolog off",
    "%mlops start tagged --experiment nb\n%mlops tag stage=final\n%mlops end",
    "att = mlops.search_runs(experiment='nb', filter=\"name = 'attempt'\")['run_id'][0]\n"
    "%mlops attempts $att",
    "%mlops cells $att",
    "%mlops help",
]
ATTEMPT = 13
BROKEN = 16


def _runs_by_name() -> dict[str, list]:
    frame = mlops.search_runs(experiment="nb", order_by="start_time", children=True)
    out: dict[str, list] = {}
    for rid in frame["run_id"]:
        data = mlops.get_run(rid)
        out.setdefault(data.info.name, []).append(data)
    return out


@pytest.mark.slow
def test_every_subcommand_in_a_real_kernel(mlops_home, tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in CELLS]
    nb.cells[BROKEN].metadata["tags"] = ["raises-exception"]
    path = tmp_path / "magics.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setenv("MLOPS_NOTEBOOK_PATH", str(path))
    client = NotebookClient(nb, timeout=300, kernel_name="python3")
    with client.setup_kernel(cwd=str(tmp_path)):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            if index == ATTEMPT:  # the user runs the same cell again
                client.execute_cell(cell, index)
    # What the notebook shows
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in c.outputs if o.output_type == "error"]
    assert [(i, o.ename, o.evalue) for i, o in errors] == [(BROKEN, "RuntimeError", "boom")]
    status_html = [o for o in nb.cells[8].outputs if "text/html" in o.get("data", {})]
    assert "manual" in status_html[0]["data"]["text/html"]
    assert "RUNNING" in status_html[0]["data"]["text/html"]

    runs = _runs_by_name()
    assert sorted(runs) == ["attempt", "broken", "manual", "second", "tagged"]
    assert runs["tagged"][0].tags["stage"] == "final"
    attempts_table = nb.cells[-3].outputs[0]["data"]["text/html"]
    assert "2 rows × " in attempts_table
    cells_table = nb.cells[-2].outputs
    assert any("re-ran" in o.get("text", "") for o in cells_table)
    assert "%%mlops run" in nb.cells[-1].outputs[0]["text"]
    (manual,) = runs["manual"]
    assert manual.info.status.value == "FINISHED"
    assert manual.info.source_path == str(path)
    assert manual.tags["kind"] == "manual"
    assert manual.tags["estimator_class"] == "sklearn.linear_model.LogisticRegression"
    assert {"lr": "0.1", "solver": "lbfgs", "note": "ok", "max_iter": "300"}.items() <= (
        manual.params.items()
    )
    assert manual.metrics["loss"] == 0.1
    assert manual.metrics["acc"] == pytest.approx(manual.metrics["training_score"])
    assert [a.name for a in manual.artifacts] == [
        "input_schema.json",
        "model.skops",
        "summary.parquet",
    ]
    cells = mlops.run_cells(manual.info.run_id)
    assert [c.source for c in cells if c.phase == "before"] == CELLS[:3]
    assert [c.source for c in cells if c.phase == "run"] == CELLS[3:11]
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, 12))
    assert manual.info.context["cells"]["in_order"] is True

    (second,) = runs["second"]
    assert second.info.status.value == "FAILED"

    first, again = runs["attempt"]
    assert [first.info.status.value, again.info.status.value] == ["FINISHED", "FINISHED"]
    assert first.tags["mlops.attempt"] == "1" and again.tags["mlops.attempt"] == "2"
    assert again.tags["mlops.previous_attempt"] == first.info.run_id
    assert first.params["C"] == "1.0" and again.metrics["acc"] == 0.5
    table = mlops.attempts(again.info.run_id)
    assert table["run_id"].tolist() == [first.info.run_id, again.info.run_id]
    # Re-running the cell is hidden state: the second attempt says so.
    assert again.info.context["cells"]["in_order"] is False
    assert mlops.get_run(first.info.run_id).info.context["cells"]["in_order"] is True

    (broken,) = runs["broken"]
    assert broken.info.status.value == "FAILED"
    assert "RuntimeError: boom" in broken.info.error
    assert mlops.search_runs(filter="status = 'RUNNING'", children=True).empty


def _start_kernel_with_run(tmp_path: Path) -> tuple[KernelManager, str]:
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path), env={**os.environ})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    printed: list[str] = []

    def keep(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    reply = kc.execute_interactive(
        "%load_ext jupyter_mlops\n%mlops start doomed\n"
        "import jupyter_mlops as mlops\nprint('RUN', mlops.active_run().id)",
        output_hook=keep,
        timeout=120,
    )
    kc.stop_channels()
    assert reply["content"]["status"] == "ok", printed
    run_id = next(line.split()[1] for line in "".join(printed).splitlines() if line[:4] == "RUN ")
    return km, run_id


def _fresh_store() -> Store:
    """Opening the store reaps runs whose process is gone (as any later session would)."""
    cfg = config.resolve()
    return Store(cfg.tracking_uri, cfg.blob_root).open()


@pytest.mark.slow
def test_a_killed_kernel_leaves_its_run_killed(mlops_home, tmp_path):
    km, run_id = _start_kernel_with_run(tmp_path)
    pid = km.provisioner.process.pid
    assert mlops.get_run(run_id).info.status.value == "RUNNING"
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not km.is_alive(), what="the kernel to die")
    km.cleanup_resources()
    store = _fresh_store()
    from jupyter_mlops.store import runs as run_store

    info = run_store.get_run_info(store, run_id)
    assert info.status.value == "KILLED"
    assert f"process {pid}" in info.error


@pytest.mark.slow
def test_a_restarted_kernel_leaves_its_run_killed(mlops_home, tmp_path):
    km, run_id = _start_kernel_with_run(tmp_path)
    try:
        km.restart_kernel(now=False)
    finally:
        km.shutdown_kernel(now=True)
    info = mlops.get_run(run_id).info
    assert info.status.value == "KILLED"
    assert "kernel shut down" in info.error


@pytest.mark.slow
def test_runs_from_plain_python_capture_cells_without_the_extension(mlops_home, tmp_path):
    sources = [
        "import jupyter_mlops as mlops",
        "run = mlops.start_run('api-only')",
        "x = 41\nmlops.log_metric('x', x)",
        "run.end()",
        "y = 'after the run'",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=str(tmp_path))
    run_id = mlops.search_runs(filter="name = 'api-only'")["run_id"][0]
    cells = mlops.run_cells(run_id)
    assert [c.source for c in cells if c.phase == "before"] == sources[:1]
    during = [c for c in cells if c.phase == "run"]
    assert [c.source for c in during] == sources[1:4]
    assert during[0].duration is None  # capture began inside this cell
    assert during[1].duration is not None
