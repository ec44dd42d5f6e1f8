"""Git state, environment and source captured at run start."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.tracking import capture
from tests.conftest import run_python


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "trunk")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "T")
    (repo / "train.py").write_text("print('v1')\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-qm", "first")
    return repo


def test_clean_repository(repo: Path):
    state = capture.capture_git(repo)
    assert state.commit == _git(repo, "rev-parse", "HEAD").strip()
    assert state.branch == "trunk"
    assert state.dirty is False and state.diff == b""


def test_dirty_repository_keeps_the_diff(repo: Path):
    (repo / "train.py").write_text("print('v2')\n")
    (repo / "new.txt").write_text("untracked")
    state = capture.capture_git(repo)
    assert state.dirty is True
    assert b"+print('v2')" in state.diff
    assert state.untracked == ["new.txt"]


def test_diff_is_size_capped(repo: Path, monkeypatch):
    monkeypatch.setattr(capture, "MAX_DIFF_BYTES", 100)
    (repo / "train.py").write_text("x = 1\n" * 500)
    state = capture.capture_git(repo)
    assert len(state.diff) == 100 and state.diff_truncated


def test_outside_git(tmp_path: Path):
    assert capture.capture_git(tmp_path) is None


def test_run_records_git_and_environment(repo: Path, mlops_home, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "train.py").write_text("print('v3')\n")
    with mlops.start_run("captured") as run:
        pass
    info = mlops.get_run(run.id).info
    assert info.git_commit == _git(repo, "rev-parse", "HEAD").strip()
    assert info.git_branch == "trunk" and info.git_dirty is True
    store = mlops.get_store()
    assert b"+print('v3')" in store.blobs.get_bytes(info.context["git"]["diff"])
    env = json.loads(store.blobs.get_bytes(info.context["environment"]))
    assert env["python"].count(".") == 2
    assert env["packages"]["pandas"]
    assert env["host"] and env["user"]


def test_identical_environments_stored_once(mlops_home):
    with mlops.start_run("a") as a:
        pass
    with mlops.start_run("b") as b:
        pass
    assert (
        mlops.get_run(a.id).info.context["environment"]
        == mlops.get_run(b.id).info.context["environment"]
    )


def test_source_of_a_script(mlops_home, tmp_path: Path):
    script = tmp_path / "train.py"
    script.write_text("import jupyter_mlops as m\nwith m.start_run('s') as r: pass\nprint(r.id)\n")
    import sys

    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    info = mlops.get_run(proc.stdout.strip()).info
    assert (info.source_type, info.source_path) == ("script", str(script.resolve()))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"JPY_SESSION_NAME": "/home/u/analysis.ipynb"}, "/home/u/analysis.ipynb"),
        ({"MLOPS_NOTEBOOK_PATH": "/p/pipe.ipynb", "JPY_SESSION_NAME": "/x.ipynb"}, "/p/pipe.ipynb"),
    ],
)
def test_source_of_a_notebook_from_the_environment(mlops_home, env, expected):
    proc = run_python(
        "import jupyter_mlops as m\nwith m.start_run('n') as r: pass\nprint(r.id)", env=env
    )
    info = mlops.get_run(proc.stdout.strip()).info
    assert (info.source_type, info.source_path) == ("notebook", expected)


def test_capture_failures_never_stop_a_run(mlops_home, monkeypatch):
    def broken(*a, **k):
        raise OSError("no git here")

    monkeypatch.setattr(capture, "capture_git", broken)
    with mlops.start_run("robust") as run:
        pass
    assert "git: no git here" in mlops.get_run(run.id).info.context["capture_errors"]


def test_package_versions_read_from_header_lines_equal_importlib_metadata():
    from importlib import metadata

    from jupyter_mlops.tracking.capture import capture_environment

    packages = capture_environment()["packages"]
    for name in ("pandas", "pyarrow", "scikit-learn", "sqlalchemy", "ipython"):
        assert packages[name] == metadata.version(name), name
    assert len(packages) >= len({d.metadata["Name"].lower() for d in metadata.distributions()}) - 1
