"""Pipelines through the real server: promote a notebook, run it in the background."""

from __future__ import annotations

import nbformat
import pytest


@pytest.fixture
def notebook(jp_root_dir):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("alpha = 0.5"),
        nbformat.v4.new_code_cell(
            "import jupyter_mlops as mlops\nmlops.log_metric('score', alpha * 2)"
        ),
    ]
    (jp_root_dir / "train.ipynb").write_text(nbformat.writes(nb))
    return "train.ipynb"


async def test_promote_then_list(api, notebook):
    status, body = await api("pipelines/promote", method="POST", body={"notebook": notebook})
    assert status == 201, body
    assert body["name"] == "train"
    assert [p["name"] for p in body["parameters"]] == ["alpha"]
    status, body = await api("pipelines")
    assert [p["name"] for p in body["pipelines"]] == ["train"]


async def test_promote_refuses_paths_outside_the_root(api, notebook):
    for path, status_code in [("../outside.ipynb", 400), ("missing.ipynb", 404), ("x.txt", 400)]:
        status, body = await api("pipelines/promote", method="POST", body={"notebook": path})
        assert status == status_code, (path, body)


@pytest.mark.slow
async def test_run_in_the_background_reports_its_state(api, notebook):
    await api("pipelines/promote", method="POST", body={"notebook": notebook})
    status, body = await api("pipelines/train/runs", method="POST", body={"params": {"alpha": 2}})
    assert status == 202
    job_id = body["job"]["id"]
    assert body["job"]["state"] in ("queued", "running")

    import asyncio

    for _ in range(1200):  # polls the job; the kernel runs in a worker thread
        status, body = await api(f"pipelines/jobs/{job_id}")
        if body["job"]["state"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.1)
    job = body["job"]
    assert job["state"] == "finished", job
    assert job["result"]["metrics"] == {"score": 4.0}
    status, body = await api("pipelines/jobs")
    assert [j["id"] for j in body["jobs"]] == [job_id]


async def test_run_unknown_pipeline_is_404(api, mlops_home):
    status, body = await api("pipelines/nope/runs", method="POST", body={})
    assert status == 404
    assert "nope" in body["message"]


async def test_unknown_job_is_404(api, mlops_home):
    status, body = await api("pipelines/jobs/abc123")
    assert status == 404
    assert "abc123" in body["message"]
