"""Pipelines through the real server: promote a notebook, run it in the background."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
import sqlalchemy as sa

from tests.conftest import wait_for


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
async def test_run_in_the_background_reports_its_state(api, notebook, jp_serverapp):
    await api("pipelines/promote", method="POST", body={"notebook": notebook})
    status, body = await api("pipelines/train/runs", method="POST", body={"params": {"alpha": 2}})
    assert status == 202
    job_id = body["job"]["id"]
    assert body["job"]["state"] in ("queued", "running")

    jobs = jp_serverapp.web_app.settings["mlops_jobs"]  # the kernel runs in a worker thread
    await asyncio.to_thread(
        wait_for,
        lambda: jobs.get(job_id).state not in ("queued", "running"),
        timeout=120,
        what=f"pipeline job {job_id} to end",
    )
    status, body = await api(f"pipelines/jobs/{job_id}")
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


def _promoted_outside_the_root(tmp_path_factory) -> Path:
    """A promoted pipeline in a folder the server's root does not contain; running it writes a file."""
    import jupyter_mlops as mlops

    outside = tmp_path_factory.mktemp("outside")
    nb = nbformat.v4.new_notebook()
    marker = outside / "ran.txt"
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')"),
    ]
    (outside / "evil.ipynb").write_text(nbformat.writes(nb))
    result = mlops.promote_notebook(outside / "evil.ipynb", "evil", root=outside)
    return Path(result.folder)


@pytest.mark.parametrize("form", ["folder", "spec", "relative"])
async def test_run_route_takes_names_not_paths(
    api, raw, jp_root_dir, tmp_path_factory, mlops_home, form
):
    folder = _promoted_outside_the_root(tmp_path_factory)
    ref = {
        "folder": str(folder),
        "spec": str(folder / "pipeline.yaml"),
        "relative": os.path.relpath(folder, jp_root_dir),
    }[form]
    status, body = await raw(f"pipelines/{quote(ref, safe='')}/runs", body={})
    assert status == 400, body
    assert body["error"] == "InvalidArgument"
    assert "no path separators" in body["message"]
    status, body = await api("pipelines/jobs")
    assert body["jobs"] == []
    assert not (folder.parent / "ran.txt").exists()


async def test_run_route_finds_names_under_the_server_root(api, jp_root_dir, notebook, mlops_home):
    import jupyter_mlops as mlops

    # Promoted under the server's root (not the working directory) and not in the store.
    mlops.promote_notebook(jp_root_dir / notebook, "local", root=jp_root_dir)
    from jupyter_mlops.store import get_store

    with get_store().db.session(write=True) as s:
        s.execute(sa.text("DELETE FROM pipelines"))
    assert Path.cwd() != jp_root_dir
    status, body = await api("pipelines/local/runs", method="POST", body={"params": {}})
    assert status == 202, body
    assert body["job"]["pipeline"] == "local"


@pytest.mark.parametrize(
    ("params", "named"),
    [({"beta": 1}, "beta"), ({"alpha": "high"}, "alpha"), ({"alpha": [1]}, "alpha")],
)
async def test_unknown_or_ill_typed_parameters_are_400_at_request_time(
    api, notebook, params, named
):
    await api("pipelines/promote", method="POST", body={"notebook": notebook})
    status, body = await api("pipelines/train/runs", method="POST", body={"params": params})
    assert status == 400, body
    assert named in body["message"]
    status, body = await api("pipelines/jobs")
    assert body["jobs"] == []
