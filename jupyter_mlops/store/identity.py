"""Who and where: the user and host recorded with runs and events."""

from __future__ import annotations

import functools
import getpass
import os
import socket


def current_user() -> str:
    """``MLOPS_USER`` if set (for CI and shared servers), else the login name."""
    env = os.environ.get("MLOPS_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:
        return f"uid-{os.getuid()}"


@functools.cache
def current_host() -> str:
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether a process of this host is still alive (a zombie counts as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True
