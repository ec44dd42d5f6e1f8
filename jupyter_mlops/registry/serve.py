"""HTTP serving of a registered model on tornado.

Routes: ``GET /health`` (and ``GET /ping``), ``GET /metadata`` (version,
signature, the inference log's counts), ``POST /predict`` (JSON records or
columns, validated against the signature) and ``POST /labels`` (late labels
joined by prediction id); MLflow's ``POST /invocations`` and ``GET /version``
(``scoring.py``). Every prediction gets an id, returned beside the
predictions (``ids``) and in the ``X-Prediction-Ids`` header. The request path
never touches the database: rows go to the inference log's bounded queue
(``jupyter_mlops.monitor.log``), whose own thread writes them in windows; a
periodic callback asks the store which version the alias points at (off the
event loop, every ``refresh_interval`` seconds) and swaps in the new model when it moved, so
``production`` can be moved without restarting the server.

Bodies over ``max_body_bytes`` get 413 before they are read into memory. The
server binds to 127.0.0.1 unless told otherwise. With a ``token`` every route
but ``/health`` and ``/ping`` needs ``Authorization: Bearer <token>`` (or
jupyter's ``token <token>``), else 401; never in the URL, which gets logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.ioloop
import tornado.netutil
import tornado.web

from ..errors import InvalidArgument
from ..monitor.log import InferenceLog, LogOptions, PredictionIds
from ..store import Store, get_store
from ..store import models as model_store
from ..store.models import ModelVersionInfo
from . import serialize
from .predict import Predictor
from .serve_auth import check_token, exposure_warning
from .serve_handlers import make_app
from .signature import Signature
from .trust import Trust, check_trusted
from .uri import parse_ref

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 10 * 1024 * 1024


@dataclass(frozen=True)
class Loaded:
    info: ModelVersionInfo
    predictor: Predictor

    @property
    def version(self) -> int:
        return self.info.version


class ModelServer:
    """What the handlers serve: the version the reference points at now."""

    def __init__(
        self,
        ref: str,
        *,
        trusted: Trust = False,
        refresh_interval: float = 1.0,
        max_body_bytes: int = DEFAULT_MAX_BODY,
        store: Store | None = None,
        token: str | None = None,
        log: LogOptions | bool = True,
    ) -> None:
        if not isinstance(max_body_bytes, int) or max_body_bytes < 1:
            raise InvalidArgument("max_body_bytes", "a positive number of bytes", max_body_bytes)
        if not isinstance(refresh_interval, (int, float)) or refresh_interval <= 0:
            raise InvalidArgument("refresh_interval", "seconds > 0", refresh_interval)
        self.ref = parse_ref(ref)
        self.trusted = check_trusted(trusted)
        self.token = check_token(token)
        self.refresh_interval = float(refresh_interval)
        self.max_body_bytes = max_body_bytes
        self.store = store or get_store()
        self.alias_missing = False
        # Bodies up to this size are read and discarded when over the limit; beyond, dropped.
        self.discard_limit = max(100 * 1024 * 1024, 4 * max_body_bytes)
        self.ids = PredictionIds()
        self.inference_log: InferenceLog | None = None
        self.loaded = self._load(self._target_version())
        if log is not False:
            options = LogOptions() if log is True else log
            if not isinstance(options, LogOptions):
                raise InvalidArgument("log", "True, False or LogOptions", log)
            self.inference_log = InferenceLog(
                self.ref.name, store=self.store, ids=self.ids, **vars(options)
            )
            self._describe(self.loaded)
        self.started_at = time.time()
        self.worker = 0  # which of the ``--workers`` processes this is (serve_workers)

    def _describe(self, loaded: Loaded) -> None:
        if self.inference_log is not None:
            sig = loaded.predictor.signature
            types = {c.name: c.type for c in sig.inputs or ()}
            self.inference_log.describe(
                loaded.version, sig.columns, types, sig.output.get("classes")
            )

    def _target_version(self) -> int | None:
        if self.ref.version is not None:
            return self.ref.version
        return model_store.alias_version(self.store, self.ref.name, self.ref.alias)

    def _load(self, version: int | None) -> Loaded:
        # get_version raises NotFound with a clear message for unknown names/aliases.
        info = model_store.get_version(
            self.store, self.ref.name, version=version, alias=None if version else self.ref.alias
        )
        model = serialize.load(
            self.store.blobs.get_bytes(info.digest), info.format, trusted=self.trusted
        )
        return Loaded(info, Predictor(model, Signature.from_dict(info.signature)))

    def refresh(self) -> bool:
        """Load the version the alias points at now if it moved; True when it changed."""
        if self.ref.version is not None:
            return False
        version = self._target_version()
        self.alias_missing = version is None
        if version is None or version == self.loaded.version:
            return False
        loaded = self._load(version)
        self._describe(loaded)
        log.info("%s moved: now serving version %s", self.ref, version)
        self.loaded = loaded  # one reference swap: requests see the old or the new model
        return True

    async def refresh_async(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.refresh)
        except Exception:  # keep serving the loaded version; the log says why
            log.exception("could not refresh %s", self.ref)

    def metadata(self) -> dict[str, Any]:
        info = self.loaded.info
        return {
            "name": info.name,
            "ref": str(self.ref),
            "version": info.version,
            "aliases": list(info.aliases),
            "format": info.format,
            "model_class": info.model_class,
            "run_id": info.run_id,
            "created_at": info.created_at,
            "description": info.description,
            "signature": info.signature,
            "max_body_bytes": self.max_body_bytes,
            "refresh_interval": self.refresh_interval,
            "log": self.log_counts(),
            "worker": {"index": self.worker, "pid": os.getpid()},
        }

    def log_counts(self) -> dict[str, Any]:
        """Rows logged, dropped (did not fit in the queue or could not be written), windows."""
        if self.inference_log is None:
            return {"enabled": False}
        return self.inference_log.counts()

    def close(self) -> None:
        """Write the open window and stop the log's writer (the server itself stops elsewhere)."""
        if self.inference_log is not None:
            self.inference_log.close()


# -- running ---------------------------------------------------------------------
DRAIN_SECONDS = 30.0
SWITCH_INTERVAL = 0.0005  # seconds: see run_worker


class _InFlight(tornado.httputil.HTTPServerConnectionDelegate):
    """The application, counting requests begun and not yet answered (for draining on SIGTERM)."""

    def __init__(self, app: tornado.web.Application) -> None:
        self.app = app
        self.open: set[Any] = set()
        answered = app.settings.get("log_function")

        def log_function(handler: tornado.web.RequestHandler) -> None:
            self.open.discard(handler.request.connection)
            if answered is not None:
                answered(handler)

        app.settings["log_function"] = log_function

    def start_request(self, server_conn: object, request_conn: Any) -> Any:
        # Called when a connection waits for its next request: in flight only once headers come.
        return _Tracked(self, self.app.start_request(server_conn, request_conn), request_conn)

    def on_close(self, server_conn: object) -> None:
        self.app.on_close(server_conn)

    async def drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.open and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return not self.open


class _Tracked(tornado.httputil.HTTPMessageDelegate):
    def __init__(self, flight: _InFlight, inner: Any, conn: Any) -> None:
        self.flight, self.inner, self.conn = flight, inner, conn

    def headers_received(self, start_line: Any, headers: Any) -> Any:
        self.flight.open.add(self.conn)
        return self.inner.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Any:
        return self.inner.data_received(chunk)

    def finish(self) -> None:
        self.inner.finish()

    def on_connection_close(self) -> None:
        self.flight.open.discard(self.conn)
        self.inner.on_connection_close()


def _http_server(server: ModelServer) -> tuple[tornado.httpserver.HTTPServer, _InFlight]:
    flight = _InFlight(make_app(server))
    http = tornado.httpserver.HTTPServer(
        flight,
        # Bodies stream through the handlers, which enforce max_body_bytes with a 413;
        # tornado's own limit (which drops the connection) is only a backstop.
        max_body_size=server.discard_limit + 1,
        xheaders=False,
    )
    return http, flight


def bind(host: str, port: int, reuse_port: bool = False) -> list[socket.socket]:
    """Listening sockets for ``host:port`` (port 0: a free one); ``reuse_port``: one per worker."""
    return tornado.netutil.bind_sockets(
        port,
        host,
        family=socket.AF_INET if ":" not in host else socket.AF_UNSPEC,
        reuse_port=reuse_port,
    )


def _listen(server: ModelServer, host: str, port: int) -> tuple[tornado.httpserver.HTTPServer, int]:
    http, _ = _http_server(server)
    sockets = bind(host, port)
    http.add_sockets(sockets)
    return http, sockets[0].getsockname()[1]


def serve(
    ref: str,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    trusted: Trust = False,
    refresh_interval: float = 1.0,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    ready: Any = None,
    token: str | None = None,
    log: LogOptions | bool = True,
    workers: int | str = 1,
    report: Callable[[str], None] | None = None,
) -> int:
    """Serve ``ref`` until interrupted (Ctrl-C or SIGTERM). ``ready(url, server)`` is called once listening.

    The model is loaded (and refused when untrusted) before anything of it runs,
    the predictor's start-up probe included. On SIGTERM the server stops
    accepting, answers the requests in flight, writes the open window of the
    inference log and returns 0. ``workers`` > 1 (or ``"auto"``, one per CPU)
    forks that many processes on one port (``serve_workers``); ``ready`` is then
    called in worker 0, and ``report(message)`` says when a worker died and
    was restarted (default: the log). Returns the exit status.
    """
    from .serve_workers import resolve_workers, run_workers

    n = resolve_workers(workers)
    options = dict(trusted=trusted, refresh_interval=refresh_interval,
                   max_body_bytes=max_body_bytes, token=token, log=log)  # fmt: skip
    if n == 1:
        server = ModelServer(ref, **options)
        run_worker(server, bind(host, port), host, ready)
        return 0
    return run_workers(ref, n, host, port, options, ready, report)


def run_worker(
    server: ModelServer, sockets: list[socket.socket], host: str, ready: Any = None
) -> None:
    """Serve on ``sockets`` until SIGTERM or Ctrl-C, then drain and write the open window."""
    # Everything loaded so far lives for the whole process: keep it out of GC scans
    # so that collections stay short and do not show up in tail latency.
    gc.collect()
    gc.freeze()
    # The inference log's writer shares the GIL with the request loop; at the default
    # 5 ms switch interval a window being written holds requests up for 5 ms at a time.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)

    async def main() -> None:
        http, flight = _http_server(server)
        http.add_sockets(sockets)
        bound = sockets[0].getsockname()[1]
        refresher = tornado.ioloop.PeriodicCallback(
            server.refresh_async, server.refresh_interval * 1000
        )
        refresher.start()
        stop = asyncio.Event()
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        if ready is not None:
            ready(f"http://{_url_host(host)}:{bound}", server)
        try:
            await stop.wait()
        finally:
            refresher.stop()
            http.stop()  # no new connections; the requests in flight are answered
            if not await flight.drained(DRAIN_SECONDS):
                log.warning(
                    "%d requests still unanswered after %gs", len(flight.open), DRAIN_SECONDS
                )
            await http.close_all_connections()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    finally:
        sys.setswitchinterval(switch)
        server.close()


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class BackgroundServer:
    """A server on its own thread and event loop (for notebooks and tests); ``stop()`` ends it."""

    def __init__(self, server: ModelServer, host: str, port: int) -> None:
        self.server = server
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(
            target=self._run, args=(host, port), name="mlops-model-server", daemon=True
        )
        self._thread.start()
        self._started.wait(60)
        if self._error is not None:
            raise self._error

    def _run(self, host: str, port: int) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                http, bound = _listen(self.server, host, port)
            except BaseException as exc:
                self._error = exc
                self._started.set()
                return
            refresher = tornado.ioloop.PeriodicCallback(
                self.server.refresh_async, self.server.refresh_interval * 1000
            )
            refresher.start()
            self.url = f"http://{_url_host(host)}:{bound}"
            self.port = bound
            self._started.set()
            await self._stop.wait()
            refresher.stop()
            http.stop()
            await http.close_all_connections()

        try:
            asyncio.run(main())
        finally:
            self.server.close()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<BackgroundServer {self.server.ref} at {getattr(self, 'url', '?')}>"


def start_background(
    ref: str,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    trusted: Trust = False,
    refresh_interval: float = 1.0,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    token: str | None = None,
    log: LogOptions | bool = True,
) -> BackgroundServer:
    """Serve ``ref`` from a daemon thread; port 0 picks a free port (see ``.url``).

    ``log``: True logs every request to the inference log, False nothing,
    ``LogOptions(...)`` sets the sample rate and the window size.
    """
    server = ModelServer(
        ref,
        trusted=trusted,
        refresh_interval=refresh_interval,
        max_body_bytes=max_body_bytes,
        token=token,
        log=log,
    )
    if (warning := exposure_warning(host, token)) is not None:
        log.warning(warning)
    return BackgroundServer(server, host, port)
