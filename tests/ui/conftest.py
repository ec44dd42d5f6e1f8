"""A real JupyterLab on loopback and Debian's chromium driven by Playwright."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import CHROMIUM_FLAGS, LabServer, chromium_path, running_lab

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@dataclass(frozen=True)
class Lab:
    server: LabServer
    root: Path
    home: Path

    def page_url(self, path: str = "lab") -> str:
        return self.server.page_url(path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab in a subprocess: a token, a temporary root folder and store."""
    base = tmp_path_factory.mktemp("lab")
    root, home = base / "root", base / "root" / ".mlops"
    root.mkdir()
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
        "MLOPS_HEARTBEAT_INTERVAL": "1",
        "MLOPS_FLUSH_INTERVAL": "0.2",
    }
    env.pop("MLOPS_TRACKING_URI", None)
    env.pop("MLOPS_BLOB_ROOT", None)
    with running_lab(root, base, env) as server:
        yield Lab(server, root, home)


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
