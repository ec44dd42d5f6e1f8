"""Which notebook a kernel is running: papermill, and the Jupyter server's sessions API.

``capture.capture_source`` tries, in order: ``MLOPS_NOTEBOOK_PATH``, papermill
(:func:`papermill_input`), VS Code's ``__vsc_ipynb_file__``, ``JPY_SESSION_NAME``
(:func:`session_name_path`), then the sessions API (:func:`server_notebook`).
Every function here is best effort and returns None rather than raising.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SESSIONS_TIMEOUT = 1.0
RETRY_AFTER = 60.0
_found: dict[str, str] = {}
_missed: dict[str, float] = {}


def papermill_input(namespace: Mapping[str, Any] | None, ppid: int | None = None) -> str | None:
    """The input notebook of a papermill execution.

    papermill names it in the kernel namespace when run with ``inject_paths``
    (``PAPERMILL_INPUT_PATH``); from the ``papermill`` command line it is the
    first ``.ipynb`` argument of the kernel's parent process.
    """
    if namespace is not None:
        value = namespace.get("PAPERMILL_INPUT_PATH")
        if isinstance(value, str) and value:
            return value
    return _papermill_from_parent(os.getppid() if ppid is None else ppid)


def _papermill_from_parent(ppid: int) -> str | None:
    try:
        raw = Path(f"/proc/{ppid}/cmdline").read_bytes()
    except OSError:
        return None
    args = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
    at = next((i for i, a in enumerate(args) if re.search(r"(^|/)papermill$", a)), None)
    if at is None:
        return None
    for arg in args[at + 1 :]:
        if arg.endswith(".ipynb") and not arg.startswith("-"):
            try:
                cwd = Path(os.readlink(f"/proc/{ppid}/cwd"))
            except OSError:
                cwd = Path.cwd()
            return str((cwd / arg).resolve())
    return None


def session_name_path(name: str) -> str:
    """``JPY_SESSION_NAME`` is relative to the server root; the kernel runs in the
    notebook's folder, so an existing ``./<name>`` makes it absolute."""
    path = Path(name)
    if path.is_absolute():
        return name
    local = Path.cwd() / path.name
    return str(local) if local.is_file() else name


def kernel_id() -> str | None:
    """This kernel's id, from the name of its connection file (``kernel-<id>.json``)."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).name
    except Exception:
        return None
    found = re.match(r"kernel-(.+)\.json$", name)
    return found.group(1) if found else None


def _servers() -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    url = os.environ.get("JUPYTER_SERVER_URL")
    if url:
        servers.append(
            {
                "url": url if url.endswith("/") else url + "/",
                "token": os.environ.get("JUPYTER_TOKEN", ""),
                "root_dir": os.environ.get("JUPYTER_SERVER_ROOT", ""),
            }
        )
    try:
        from jupyter_server.serverapp import list_running_servers

        servers.extend(list_running_servers())
    except Exception:
        pass
    return servers


def notebook_from_sessions(
    kid: str, servers: Iterable[Mapping[str, Any]], timeout: float = SESSIONS_TIMEOUT
) -> str | None:
    """Ask each server's ``/api/sessions`` which notebook holds kernel ``kid``."""
    deadline = time.monotonic() + timeout
    for server in servers:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        base = str(server.get("url", ""))
        if not base.startswith(("http://", "https://")):
            continue
        request = urllib.request.Request(base.rstrip("/") + "/api/sessions")
        token = server.get("token")
        if token:
            request.add_header("Authorization", f"token {token}")
        try:
            with urllib.request.urlopen(request, timeout=left) as response:
                sessions = json.loads(response.read())
        except Exception:
            continue
        for session in sessions:
            if (session.get("kernel") or {}).get("id") == kid:
                path = session.get("path") or (session.get("notebook") or {}).get("path")
                if not path:
                    continue
                root = server.get("root_dir") or server.get("notebook_dir") or ""
                return str(Path(root) / path) if root else path
    return None


def server_notebook() -> str | None:
    """The notebook of this kernel according to a running Jupyter server (cached)."""
    kid = kernel_id()
    if kid is None:
        return None
    if kid not in _found:
        if time.monotonic() - _missed.get(kid, -RETRY_AFTER) < RETRY_AFTER:
            return None
        path = notebook_from_sessions(kid, _servers())
        if path is None:
            _missed[kid] = time.monotonic()
            return None
        _found[kid] = path
    return _found[kid]
