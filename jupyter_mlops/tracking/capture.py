"""What a run records about where it ran: git state, environment and source.

Everything here is best effort: a missing git, an odd platform or a broken
package must never stop a run from starting.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..store.identity import current_host, current_user

MAX_DIFF_BYTES = 256 * 1024
GIT_TIMEOUT = 5.0


@dataclass(frozen=True)
class GitState:
    commit: str | None
    branch: str | None
    dirty: bool
    root: str
    diff: bytes  # uncommitted changes against HEAD, capped at MAX_DIFF_BYTES
    diff_truncated: bool
    untracked: list[str]

    def as_row(self) -> dict[str, Any]:
        return {"commit": self.commit, "branch": self.branch, "dirty": self.dirty}


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def capture_git(cwd: str | os.PathLike | None = None) -> GitState | None:
    """The repository state around ``cwd``; None outside a git work tree."""
    where = Path(cwd or os.getcwd())
    status = _git(["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal"], where)
    if status is None or status.returncode != 0:
        return None
    commit = branch = None
    changed = False
    untracked: list[str] = []
    for entry in status.stdout.decode("utf-8", "replace").split("\0"):
        if entry.startswith("# branch.oid "):
            oid = entry.split(" ", 2)[2]
            commit = None if oid == "(initial)" else oid
        elif entry.startswith("# branch.head "):
            head = entry.split(" ", 2)[2]
            branch = None if head == "(detached)" else head
        elif entry.startswith("? "):
            untracked.append(entry[2:])
        elif entry and not entry.startswith("#") and entry[0] in "12u":
            changed = True
    root_proc = _git(["rev-parse", "--show-toplevel"], where)
    root = (
        root_proc.stdout.decode().strip() if root_proc and root_proc.returncode == 0 else str(where)
    )
    diff = b""
    truncated = False
    if changed and commit:
        proc = _git(["diff", "HEAD", "--no-color", "--no-ext-diff"], where)
        if proc is not None and proc.returncode == 0:
            diff = proc.stdout
            if len(diff) > MAX_DIFF_BYTES:
                diff, truncated = diff[:MAX_DIFF_BYTES], True
    return GitState(
        commit, branch, changed or bool(untracked), root, diff, truncated, untracked[:200]
    )


def _name_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    """Name and Version from the metadata's header lines only (the email parser reads it all)."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name = version = None
    for line in text.splitlines():
        if not line:
            break
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
        if name and version:
            break
    return name, version


@functools.cache
def _packages() -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        try:
            name, version = _name_version(dist)
        except Exception:
            continue
        if name and version:
            found.setdefault(name.lower(), version)
    return tuple(sorted(found.items()))


def capture_environment() -> dict[str, Any]:
    """Python, platform, host, user and installed package versions."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "host": current_host(),
        "user": current_user(),
        "packages": dict(_packages()),
    }


def environment_json(env: dict[str, Any]) -> bytes:
    """Canonical bytes, so identical environments are one blob."""
    return json.dumps(env, sort_keys=True, separators=(",", ":")).encode()


def _ipython_namespace() -> dict[str, Any] | None:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:
        return None
    return getattr(shell, "user_ns", None) if shell is not None else None


def capture_source() -> tuple[str, str | None]:
    """(source_type, path): the notebook under Jupyter, papermill or VS Code, else the script.

    Order: our pipeline runner's ``MLOPS_NOTEBOOK_PATH``; papermill's input path;
    VS Code's ``__vsc_ipynb_file__``; JupyterLab's ``JPY_SESSION_NAME``; a
    notebook found through the server's sessions API (magics); else the script
    in ``sys.argv[0]`` (never ``ipykernel_launcher.py``).
    """
    env_path = os.environ.get("MLOPS_NOTEBOOK_PATH")
    if env_path:
        return "notebook", env_path
    from . import notebook_path

    ns = _ipython_namespace()
    if ns is not None:
        papermill = notebook_path.papermill_input(ns)
        if papermill:
            return "notebook", papermill
        vsc = ns.get("__vsc_ipynb_file__")
        if isinstance(vsc, str) and vsc:
            return "notebook", vsc
    session_name = os.environ.get("JPY_SESSION_NAME")
    if session_name:
        return "notebook", notebook_path.session_name_path(session_name)
    if ns is not None:
        served = notebook_path.server_notebook()
        if served:
            return "notebook", served
        return "ipython", None
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 and not argv0.endswith("ipykernel_launcher.py") and argv0 not in ("-c", "-"):
        return "script", str(Path(argv0).resolve())
    return "interactive", None
