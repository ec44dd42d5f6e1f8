"""The mlflow-artifacts proxy driven by the real MLflow client, standalone and inside Jupyter."""

from __future__ import annotations

import hashlib
import http.client
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

import jupyter_mlops as mlops
from tests.server.mlflow.mlflow_server import standalone_server

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def tracking_uri(mlops_home):
    with standalone_server() as url:
        mlflow.set_tracking_uri(url)
        yield url
    mlflow.set_tracking_uri("")


@pytest.fixture
def our_run(mlops_home):
    """A run made by our own API, still running (artifacts are logged to running runs)."""
    run = mlops.start_run("ours", experiment="proxy", capture_context=False)
    yield run
    run.end()


def repo_of(run_id: str, tracking: str):
    from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

    info = mlops.get_run(run_id).info
    uri = f"mlflow-artifacts:/{info.experiment_id}/{run_id}/artifacts"
    return MlflowArtifactsRepository(uri, tracking_uri=tracking)


def digests(run_id: str) -> dict[str, str]:
    return {a.name: a.digest for a in mlops.list_artifacts(run_id)}


def send(url: str, method: str, path: str, body: bytes | None = None, headers=None):
    """A request with ``path`` sent byte for byte (no client normalises ``..`` away)."""
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        conn.request(method, parsed.path.rstrip("/") + path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_mlflow_artifact_repository_uploads_lists_and_downloads(tracking_uri, our_run, tmp_path):
    src = tmp_path / "src"
    (src / "plots" / "deep").mkdir(parents=True)
    (src / "notes.txt").write_text("hello")
    (src / "plots" / "a.csv").write_text("x,y\n1,2\n")
    (src / "plots" / "deep" / "b.json").write_text('{"k": 1}')
    repo = repo_of(our_run.id, tracking_uri)
    repo.log_artifact(str(src / "notes.txt"))
    repo.log_artifacts(str(src / "plots"), "plots")

    stored = digests(our_run.id)
    assert stored == {
        "notes.txt": hashlib.sha256(b"hello").hexdigest(),
        "plots/a.csv": hashlib.sha256(b"x,y\n1,2\n").hexdigest(),
        "plots/deep/b.json": hashlib.sha256(b'{"k": 1}').hexdigest(),
    }
    top = repo.list_artifacts()
    assert [(f.path, f.is_dir, f.file_size) for f in top] == [
        ("notes.txt", False, 5),
        ("plots", True, None),
    ]
    inner = repo.list_artifacts("plots")
    assert [(f.path, f.is_dir) for f in inner] == [("plots/a.csv", False), ("plots/deep", True)]
    assert repo.list_artifacts("notes.txt") == []  # a file lists as nothing, as in MLflow

    (tmp_path / "back").mkdir()
    out = Path(repo.download_artifacts("", str(tmp_path / "back")))
    assert (out / "notes.txt").read_text() == "hello"
    assert (out / "plots" / "deep" / "b.json").read_text() == '{"k": 1}'
    assert mlops.load_artifact(our_run.id, "plots/a.csv") == b"x,y\n1,2\n"


def test_list_reply_is_mlflows_files_shape(tracking_uri, our_run):
    mlops.log_artifact(b"abc", "dir/f.bin")
    info = mlops.get_run(our_run.id).info
    root = f"{info.experiment_id}/{our_run.id}/artifacts"
    status, body = send(tracking_uri, "GET", f"/api/2.0/mlflow-artifacts/artifacts?path={root}")
    assert status == 200
    assert json.loads(body) == {"files": [{"path": "dir", "is_dir": True}]}
    status, body = send(tracking_uri, "GET", f"/api/2.0/mlflow-artifacts/artifacts?path={root}/dir")
    assert json.loads(body) == {"files": [{"path": "f.bin", "is_dir": False, "file_size": 3}]}
    status, body = send(
        tracking_uri, "GET", f"/api/2.0/mlflow-artifacts/artifacts/{root}/dir/f.bin"
    )
    assert (status, body) == (200, b"abc")


@pytest.mark.parametrize(
    "bad",
    [
        "{root}/%2E%2E/%2E%2E/escape.txt",
        "{root}/a/../../escape.txt",
        "/etc/passwd",
        "{root}/%2Fetc%2Fpasswd",
        "{root}/dir%5Cescape.txt",
    ],
)
def test_bad_paths_are_400_in_mlflows_shape_and_write_nothing(tracking_uri, our_run, bad):
    info = mlops.get_run(our_run.id).info
    root = f"{info.experiment_id}/{our_run.id}/artifacts"
    blobs = sorted(p.name for p in Path(mlops.store_info().blob_root).rglob("*") if p.is_file())
    path = "/api/2.0/mlflow-artifacts/artifacts/" + bad.format(root=root)
    status, body = send(tracking_uri, "PUT", path, b"evil")
    assert status == 400, body
    reply = json.loads(body)
    assert reply["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "path" in reply["message"]
    assert mlops.list_artifacts(our_run.id) == []
    after = sorted(p.name for p in Path(mlops.store_info().blob_root).rglob("*") if p.is_file())
    assert after == blobs
    status, _ = send(tracking_uri, "GET", path)
    assert status == 400


def test_unknown_run_and_missing_artifact_are_404(tracking_uri, our_run):
    info = mlops.get_run(our_run.id).info
    other = "0" * 32
    status, body = send(
        tracking_uri,
        "PUT",
        f"/api/2.0/mlflow-artifacts/artifacts/{info.experiment_id}/{other}/artifacts/x.txt",
        b"x",
    )
    assert status == 404 and json.loads(body)["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    status, body = send(
        tracking_uri,
        "GET",
        f"/api/2.0/mlflow-artifacts/artifacts/{info.experiment_id}/{our_run.id}/artifacts/nope.txt",
    )
    assert status == 404 and json.loads(body)["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_same_name_other_content_is_refused(tracking_uri, our_run, tmp_path):
    repo = repo_of(our_run.id, tracking_uri)
    f = tmp_path / "a.txt"
    f.write_text("one")
    repo.log_artifact(str(f))
    repo.log_artifact(str(f))  # the same bytes again: a no-op
    f.write_text("two")
    with pytest.raises(Exception, match="immutable"):
        repo.log_artifact(str(f))
    assert mlops.load_artifact(our_run.id, "a.txt") == b"one"
