"""The one error mapping under attack: deep JSON, huge numbers, NUL bytes, store faults, paths."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import StoreError

from .conftest import seed_runs

DEEP = "[" * 2000 + "]" * 2000


@pytest.fixture
def model(mlops_home):
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    with mlops.start_run("train", capture_context=False):
        mlops.register_model("m", fitted)
    return "m"


@pytest.mark.parametrize(
    "path",
    ["runs/{run}/tags", "models/m/aliases/prod", "pipelines/promote", "pipelines/p/runs"],
)
@pytest.mark.parametrize("wrap", ["top", "field"])
async def test_deeply_nested_json_is_400(api, path, wrap):
    run = seed_runs(1)[0]
    body = DEEP if wrap == "top" else '{"tags": ' + DEEP + ', "params": ' + DEEP + "}"
    status, reply = await api(path.format(run=run), method="POST", body=body)
    assert status == 400, reply
    assert reply["error"] == "InvalidArgument"
    assert "nested" in reply["message"]


async def test_json_deeper_than_the_limit_but_parseable_is_400(api):
    run = seed_runs(1)[0]
    tags = {"a": "[" * 200 + "]" * 200}  # a string: not nesting
    status, reply = await api(f"runs/{run}/tags", method="POST", body={"tags": tags})
    assert status == 200, reply
    body = '{"tags": {"a": ' + "[" * 200 + "]" * 200 + "}}"
    status, reply = await api(f"runs/{run}/tags", method="POST", body=body)
    assert status == 400, reply
    assert "nested at most 64 levels" in reply["message"]


@pytest.mark.parametrize(
    "path", ["runs/%00", "runs/a%00b/metrics/x", "snapshots/%00", "runs?filter=%00"]
)
async def test_a_nul_in_the_url_is_400(raw, mlops_home, path):
    status, reply = await raw(path)
    assert status == 400, reply
    assert "NUL" in reply["message"]


async def test_json_nested_a_little_still_works(api):
    run = seed_runs(1)[0]
    status, reply = await api(f"runs/{run}/tags", method="POST", body={"tags": {"a": "b"}})
    assert status == 200, reply


@pytest.mark.parametrize("version", [10**23, -(10**23), 2**63])
async def test_an_alias_version_beyond_64_bits_is_400(api, model, version):
    status, reply = await api(
        "models/m/aliases/prod", method="POST", body={"version": version, "reason": "r"}
    )
    assert status == 400, reply
    assert "version" in reply["message"]


@pytest.mark.parametrize("route", ["runs", "events"])
@pytest.mark.parametrize("offset", [10**20, 2**63])
async def test_a_huge_offset_is_400(api, mlops_home, route, offset):
    status, reply = await api(route, params={"offset": offset})
    assert status == 400, reply
    assert "offset" in reply["message"]


async def test_the_largest_accepted_offset_answers(api, mlops_home):
    seed_runs(1)
    status, reply = await api("runs", params={"offset": 2**62})
    assert status == 200, reply
    assert reply["runs"] == [] and reply["total"] == 1


@pytest.mark.parametrize("notebook", ["a\x00.ipynb", "\x00", "dir/\x00/x.ipynb"])
async def test_a_nul_in_a_notebook_path_is_400(api, mlops_home, notebook):
    status, reply = await api("pipelines/promote", method="POST", body={"notebook": notebook})
    assert status == 400, reply
    assert reply["error"] == "InvalidArgument"
    assert "notebook" in reply["message"]


async def test_a_store_fault_is_503_with_what_to_do(api, mlops_home, monkeypatch):
    from jupyter_mlops.store import runs as run_store

    run = seed_runs(1)[0]

    def broken(*args, **kwargs):
        raise StoreError("store operation failed and was rolled back: disk I/O error")

    monkeypatch.setattr(run_store, "set_tags", broken)
    status, reply = await api(f"runs/{run}/tags", method="POST", body={"tags": {"a": "b"}})
    assert status == 503, reply
    assert reply["error"] == "StoreError"
    assert "disk I/O error" in reply["message"]


async def test_messages_show_paths_relative_to_the_server_root(api, jp_root_dir, mlops_home):
    root = str(jp_root_dir.resolve())
    (jp_root_dir / "sub").mkdir()
    (jp_root_dir / "sub" / "broken.ipynb").write_text("{not json")
    status, reply = await api(
        "pipelines/promote", method="POST", body={"notebook": "sub/broken.ipynb"}
    )
    assert status == 400, reply
    assert "sub/broken.ipynb" in reply["message"]
    assert root not in reply["message"]
    status, reply = await api("pipelines/nope/runs", method="POST", body={})
    assert status == 404, reply
    assert "nope" in reply["message"]
    assert root not in reply["message"] and str(jp_root_dir) not in reply["message"]


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("table.csv", b"a,b\n1,2\n", "text/csv"),
        ("plot.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("notes.json", b'{"a": 1}', "application/json"),
        ("blob.bin", b"\x00\x01", "application/octet-stream"),
    ],
)
async def test_artifacts_keep_their_media_type(jp_fetch, mlops_home, name, data, media_type):
    with mlops.start_run("art", capture_context=False) as run:
        run.log_artifact(data, name)
    resp = await jp_fetch("mlops", "api", "runs", run.id, "artifacts", name)
    assert resp.code == 200
    assert resp.body == data
    assert resp.headers["Content-Type"].split(";")[0] == media_type
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_html_artifact_cannot_run_script_in_the_server_origin(jp_fetch, mlops_home):
    with mlops.start_run("art", capture_context=False) as run:
        run.log_artifact(b"<script>alert(1)</script>", "page.html")
    resp = await jp_fetch("mlops", "api", "runs", run.id, "artifacts", "page.html")
    assert resp.headers["Content-Type"].split(";")[0] == "text/html"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Content-Disposition"].startswith("attachment")


async def test_a_read_only_store_is_read_over_rest_and_a_write_is_503(
    api, mlops_home, tmp_path, monkeypatch
):
    from jupyter_mlops.store import db as db_mod
    from jupyter_mlops.store import get_store

    run = seed_runs(1)[0]
    get_store().db.dispose()
    view = tmp_path / "view"
    view.symlink_to(mlops_home, target_is_directory=True)
    monkeypatch.setattr(db_mod, "_writable", lambda p: not str(p).startswith(str(view)))
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"sqlite:///{view / 'mlops.db'}")
    status, reply = await api("runs")
    assert status == 200, reply
    assert [r["run_id"] for r in reply["runs"]] == [run]
    status, reply = await api(f"runs/{run}/tags", method="POST", body={"tags": {"a": "b"}})
    assert status == 503, reply
    assert reply["error"] == "StoreError"
    assert "read-only" in reply["message"]
