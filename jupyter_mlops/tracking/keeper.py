"""The keeper thread of a process's live runs (periodic flushes, heartbeats) and exit handling.

At interpreter exit a script that ended normally finishes its open runs, an
uncaught error fails them (``outcome_of``), and a kernel shutting down with a
run open kills them.
"""

from __future__ import annotations

import atexit
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import config
from ..store import Store
from ..store import runs as run_store
from ..store.entities import RunStatus

if TYPE_CHECKING:
    from .run import Run

log = logging.getLogger(__name__)

_uncaught: list[BaseException] = []
_hooks_installed = False


def keep(live_runs: Callable[[], list[Run]]) -> None:
    """Flush every live run every ``MLOPS_FLUSH_INTERVAL`` s and beat their hearts."""
    last_beat = time.monotonic()
    while True:
        flush_every = config.flush_interval()
        beat_every = config.heartbeat_interval()
        time.sleep(min(flush_every, beat_every))
        runs = [r for r in live_runs() if not r.ended]
        for run in runs:
            run.flush_in_background()
        if time.monotonic() - last_beat >= beat_every:
            last_beat = time.monotonic()
            _beat(runs)


def _beat(runs: list[Run]) -> None:
    by_store: dict[int, tuple[Store, list[str]]] = {}
    for run in runs:
        by_store.setdefault(id(run.store), (run.store, []))[1].append(run.id)
    for store, ids in by_store.values():
        try:
            run_store.heartbeat(store, ids)
        except Exception as exc:
            log.warning("heartbeat failed: %s", exc)


def install_exit_hooks(live_runs: Callable[[], list[Run]]) -> None:
    """Remember an uncaught exception and end the live runs at exit (once per process)."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        _uncaught.append(exc)
        previous(exc_type, exc, tb)

    sys.excepthook = hook
    atexit.register(_end_all_at_exit, live_runs)


def _in_kernel() -> bool:
    return (
        "ipykernel" in sys.modules
        and "IPython" in sys.modules
        and getattr(sys.modules["IPython"], "get_ipython", lambda: None)() is not None
    )


def _end_all_at_exit(live_runs: Callable[[], list[Run]]) -> None:
    for run in live_runs():
        if run.ended:
            continue
        try:
            if _uncaught:
                run.end_with(_uncaught[-1])
            elif _in_kernel():
                run.end(RunStatus.KILLED, error="killed: the kernel shut down with the run open")
            else:
                run.end(RunStatus.FINISHED)
        except Exception as exc:
            print(f"jupyter-mlops: could not end run {run.id[:8]} at exit: {exc}", file=sys.stderr)
