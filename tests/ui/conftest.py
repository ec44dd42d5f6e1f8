"""A real JupyterLab on loopback and Debian's chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except Exception:
        return False


class Lab:
    def __init__(self, url: str, token: str, root: Path, home: Path, log: Path) -> None:
        self.url, self.token, self.root, self.home, self.log = url, token, root, home, log

    def page_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={self.token}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab in a subprocess: a token, a temporary root folder and store."""
    from tests.conftest import wait_for

    base = tmp_path_factory.mktemp("lab")
    root, home = base / "root", base / "root" / ".mlops"
    root.mkdir()
    port, token = _free_port(), uuid.uuid4().hex
    # User settings: no news prompt over the page, and a fast refresh of the panel
    # (which also exercises the settings registry path of the extension).
    settings = base / "settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
        "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
        "jupyter-mlops/plugin": {"refreshInterval": 1},
    }.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "MLOPS_HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "MLOPS_HEARTBEAT_INTERVAL": "1",
        "MLOPS_FLUSH_INTERVAL": "0.2",
    }
    env.pop("MLOPS_TRACKING_URI", None)
    env.pop("MLOPS_BLOB_ROOT", None)
    log = base / "lab.log"
    with log.open("wb") as out:
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
            lambda: proc.poll() is not None or _ready(f"{url}api/status?token={token}"),
            timeout=120,
            what="JupyterLab to answer",
        )
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        yield Lab(url, token, root, home, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """No pytest-jupyter loop here: Playwright's sync API runs its own in this thread."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    """No in-process server to clean up: JupyterLab runs in a subprocess."""
    yield


@pytest.fixture
def page(browser, lab, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    shot(page, f"{request.node.name}-last")  # what the page showed at the end, pass or fail
    context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
