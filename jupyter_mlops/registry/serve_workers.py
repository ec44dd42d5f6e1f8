"""Serving on every core: N forked workers on one port (``SO_REUSEPORT``), supervised.

The parent resolves the port, forks the workers and then only watches them: it
never opens the store nor loads the model. Each worker, after the fork, opens
its own store (its own engine and connections; ``jupyter_mlops.store`` also
drops any pooled connection inherited across a fork), loads the model once,
makes its own prediction-id prefix (so ids are unique across workers) and its
own inference log, and follows alias moves on its own. Worker 0 starts first
(a model that cannot be served fails once, with its error, not N times); the
others follow once it listens.

The inference log is not merged by the parent: every worker writes its own
windows (``source="serve"``), and windows of one model and version are one
stream ordered by when they closed, whichever worker wrote them
(``list_windows``, monitors). A row is in exactly one window because only its
worker ever holds it.

A worker that dies is reported and started again (``max_restarts`` in all);
SIGTERM (or Ctrl-C) is forwarded to every worker, which stops accepting,
answers what is in flight, writes its open window and exits; the parent
exits 0 when they all did.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from ..errors import InvalidArgument, MlopsError

log = logging.getLogger("jupyter_mlops.registry.serve")

MAX_RESTARTS = 100
STOP_SECONDS = 90.0  # a worker's drain and last window, then SIGKILL


def resolve_workers(value: int | str) -> int:
    """``workers`` as a number of processes: a positive integer, or ``"auto"`` (one per CPU)."""
    if value == "auto":
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument("workers", "a positive number of processes or 'auto'", value)
    return value


def run_workers(
    ref: str,
    n: int,
    host: str,
    port: int,
    options: dict[str, Any],
    ready: Any = None,
    report: Callable[[str], None] | None = None,
) -> int:
    """Serve ``ref`` from ``n`` forked workers on ``host:port`` until SIGTERM; the exit status.

    Each worker listens on a socket of its own with ``SO_REUSEPORT``, so the
    kernel spreads connections over them (one shared socket hands most of
    them to one worker); the parent binds first only to resolve port 0.
    """
    from .serve import bind

    probe = bind(host, port, reuse_port=True)  # resolves port 0; closed before anyone knows it
    port = probe[0].getsockname()[1]
    for s in probe:
        s.close()

    def start(index: int, ready_fd: int, first: bool) -> None:
        sockets = bind(host, port, reuse_port=True)
        _worker(
            ref, index, sockets, host, options, ready if index == 0 and first else None, ready_fd
        )

    return Supervisor(start, n, report=report).run()


def _worker(
    ref: str,
    index: int,
    sockets: list[socket.socket],
    host: str,
    options: dict[str, Any],
    ready: Any,
    ready_fd: int,
) -> None:
    """The body of a forked worker; never returns."""
    from .serve import ModelServer, run_worker

    code = 1
    try:
        server = ModelServer(ref, **options)
        server.worker = index

        def listening(url: str, srv: ModelServer) -> None:
            os.write(ready_fd, f"{index} {os.getpid()}\n".encode())
            if ready is not None:
                ready(url, srv)

        run_worker(server, sockets, host, listening)
        code = 0
    except MlopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


class Supervisor:
    """Forks ``n`` workers with ``start(index, ready_fd, first)``, restarts the dead, stops all."""

    def __init__(
        self,
        start: Callable[[int, int, bool], None],
        n: int,
        *,
        max_restarts: int = MAX_RESTARTS,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.start, self.n, self.max_restarts = start, n, max_restarts
        self.report = report or log.warning
        self.workers: dict[int, int] = {}  # pid -> index
        self.ready: set[int] = set()  # pids listening
        self.restarts = 0
        self.stopping = False
        self._read, self._write = os.pipe()
        self._buffer = b""

    def run(self) -> int:
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            status = self._start_all()
            if status is None:
                status = self._watch()
        finally:
            failed = self._stop_all()
            for s, handler in previous.items():
                signal.signal(s, handler)
            os.close(self._read)
            os.close(self._write)
        return status or (1 if failed else 0)

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopping = True

    def _fork(self, index: int, first: bool = True) -> int:
        pid = os.fork()
        if pid == 0:
            # Stopped before it listens: nothing to answer or write yet.
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.close(self._read)
            self.start(index, self._write, first)
            os._exit(1)  # start never returns
        self.workers[pid] = index
        return pid

    def _start_all(self) -> int | None:
        """Worker 0 first, then the others; an exit status if one could not start."""
        first = self._fork(0)
        while first not in self.ready:
            if (status := self._failed_to_start()) is not None:
                return status
        for index in range(1, self.n):
            self._fork(index)
        while len(self.ready) < self.n:
            if (status := self._failed_to_start()) is not None:
                return status
        self.report(f"{self.n} workers serving (pids {', '.join(map(str, sorted(self.ready)))})")
        return None

    def _failed_to_start(self) -> int | None:
        self._poll()
        for pid, status in self._reap():
            self.report(f"worker {self.workers.pop(pid)} (pid {pid}) {_describe(status)} "
                        "before it listened")  # fmt: skip
            code = os.waitstatus_to_exitcode(status)
            return code if code > 0 else 1
        return 0 if self.stopping else None

    def _watch(self) -> int:
        while not self.stopping:
            self._poll()
            for pid, status in self._reap():
                index = self.workers.pop(pid)
                self.ready.discard(pid)
                if self.stopping:
                    continue
                if self.restarts >= self.max_restarts:
                    self.report(f"worker {index} (pid {pid}) {_describe(status)}; "
                                f"{self.restarts} restarts already, stopping")  # fmt: skip
                    return 1
                self.restarts += 1
                new = self._fork(index, first=False)
                self.report(f"worker {index} (pid {pid}) {_describe(status)}; "
                            f"restarted as pid {new}")  # fmt: skip
        return 0

    def _poll(self, timeout: float = 0.1) -> None:
        """Read the workers' 'listening' lines."""
        readable, _, _ = select.select([self._read], [], [], timeout)
        if not readable:
            return
        self._buffer += os.read(self._read, 4096)
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self.ready.add(int(line.split()[1]))

    def _reap(self) -> list[tuple[int, int]]:
        out = []
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self.workers:
                out.append((pid, status))
        return out

    def _stop_all(self) -> list[str]:
        """SIGTERM every worker, wait for them to drain, SIGKILL the ones that do not."""
        for pid in self.workers:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        failed = []
        while self.workers and time.monotonic() < deadline:
            for pid, status in self._reap():
                index = self.workers.pop(pid)
                if os.waitstatus_to_exitcode(status) != 0:
                    failed.append(f"worker {index} (pid {pid}) {_describe(status)}")
            if self.workers:
                time.sleep(0.01)
        for pid in list(self.workers):
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            failed.append(
                f"worker {self.workers.pop(pid)} (pid {pid}) killed after {STOP_SECONDS:g}s"
            )
        for message in failed:
            self.report(message)
        return failed


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.WEXITSTATUS(status)}"
