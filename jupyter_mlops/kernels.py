"""Kernels for the notebooks we execute (pipelines, the demo, the tests).

Where the platform allows, a kernel talks to us over IPC: Unix sockets in a
private folder instead of TCP ports on loopback. No other local user can reach
them, and the kernel does not warn (once per notebook, in every CI log) that
it runs "over TCP without encryption".
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from traitlets.config import Config


@contextmanager
def kernel_config() -> Iterator[Config]:
    """Configuration for a notebook client's kernel manager: IPC where supported (not Windows).

    The sockets live in a private folder that is removed afterwards.
    """
    if os.name == "nt":
        yield Config()
        return
    folder = tempfile.mkdtemp(prefix="mlops-kernel-")
    try:
        yield Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "k")}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
