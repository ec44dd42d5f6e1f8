"""Shared plumbing of the browser tests: Debian's chromium and a JupyterLab on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The chromium that Debian's package installs, if any (never Playwright's download)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except Exception:
        return False


@dataclass(frozen=True)
class LabServer:
    url: str
    token: str
    log: Path

    def page_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={self.token}"


@contextmanager
def running_lab(
    root: Path,
    state: Path,
    env: Mapping[str, str],
    *,
    port: int | None = None,
    token: str | None = None,
) -> Iterator[LabServer]:
    """JupyterLab in its own process group on a free loopback port, serving ``root``.

    ``state`` holds its config, runtime folder and log; ``env`` is its whole
    environment. Stopped (SIGTERM, then SIGKILL) on exit. The same ``port`` and
    ``token`` (and ``state``) again start it again for pages still open.
    """
    from tests.conftest import wait_for

    port, token = port or free_port(), token or uuid.uuid4().hex
    env = {
        **env,
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
    }
    log = state / "lab.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=",
                *(["--allow-root"] if os.geteuid() == 0 else []),
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(
            lambda: proc.poll() is not None or answers(f"{url}api/status?token={token}"),
            timeout=120,
            what="JupyterLab to answer",
        )
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        yield LabServer(url, token, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
