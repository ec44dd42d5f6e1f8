"""Shared fixtures: a temporary store per test, a real PostgreSQL server, an IPython shell."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)

ROOT = Path(__file__).resolve().parents[1]


def _end_open_runs() -> None:
    from jupyter_mlops.tracking import run as run_mod

    for run in run_mod.live_runs():
        try:
            run.end("KILLED", error="test ended")
        except Exception:
            pass
    run_mod._active.clear()


@pytest.fixture
def mlops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty embedded store in a temporary folder, selected through MLOPS_HOME."""
    home = tmp_path / ".mlops"
    monkeypatch.setenv("MLOPS_HOME", str(home))
    monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    monkeypatch.delenv("MLOPS_NOTEBOOK_PATH", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    yield home
    _end_open_runs()


@pytest.fixture
def store(mlops_home: Path):
    """The opened store of ``mlops_home``."""
    from jupyter_mlops.store import get_store

    return get_store()


# -- PostgreSQL ----------------------------------------------------------------
def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server on a free loopback port; yields a base URL without a database."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' system user to run the server")
    base = Path(tempfile.mkdtemp(prefix="mlops-pg-"))
    datadir = base / "data"
    sockdir = base / "sock"
    sockdir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockdir, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "mlops",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    logfile = base / "server.log"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-l",
                str(logfile),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://mlops@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the shared test server."""
    import sqlalchemy as sa

    name = f"mlops_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The store on SQLite and, in a second run of the test, on a real PostgreSQL server."""
    home = tmp_path / ".mlops"
    monkeypatch.setenv("MLOPS_HOME", str(home))
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    if request.param == "postgres":
        monkeypatch.setenv("MLOPS_TRACKING_URI", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    from jupyter_mlops.store import get_store

    yield get_store()
    _end_open_runs()


# -- IPython -------------------------------------------------------------------
@pytest.fixture
def ip(mlops_home: Path):
    """A real InteractiveShell with the extension loaded; run_cell re-raises errors via ``ip.run(...)``."""
    from IPython.testing.globalipapp import get_ipython, start_ipython

    shell = start_ipython() or get_ipython()  # None once the global shell exists
    shell.run_line_magic("load_ext", "jupyter_mlops")
    yield shell
    _end_open_runs()
    shell.reset(new_session=False)  # clears user variables, keeps IPython's own (_oh, In, ...)


def run_python(
    code: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter of this venv (for multi-process and crash tests)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    """Poll a condition that another process makes true (not a sleep standing in for sync)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# -- S3 (moto's server on loopback) ----------------------------------------------
_S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance-metadata service for keys
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,  # nor read the developer's own profiles
    "AWS_CONFIG_FILE": os.devnull,
}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread on a free loopback port; yields its endpoint URL."""
    pytest.importorskip("s3fs")
    server_mod = pytest.importorskip("moto.server")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment a user sets to reach an S3-compatible server (fake keys, loopback only)."""
    for key in [k for k in os.environ if k.startswith(("AWS_", "FSSPEC_S3"))]:
        monkeypatch.delenv(key)
    env = {**_S3_ENV, "AWS_ENDPOINT_URL_S3": s3_endpoint}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def s3_bucket(s3_env: dict[str, str]) -> str:
    """A new, empty bucket on the moto server; yields its name."""
    import boto3

    name = f"mlops-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_blob_root(s3_bucket: str, mlops_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The embedded database of ``mlops_home`` with its blobs on S3 (``MLOPS_BLOB_ROOT``)."""
    root = f"s3://{s3_bucket}/mlops"
    monkeypatch.setenv("MLOPS_BLOB_ROOT", root)
    return root
