"""HTTP serving of a registered model on tornado.

Routes: ``GET /health`` (and ``GET /ping``), ``GET /metadata`` (version,
signature) and ``POST /predict`` (JSON records or columns, validated against
the signature). The
request path never touches the database: a periodic callback asks the store
which version the alias points at (off the event loop, every
``refresh_interval`` seconds) and swaps in the new model when it moved, so
``production`` can be moved without restarting the server.

Bodies over ``max_body_bytes`` get 413 before they are read into memory. The
server binds to 127.0.0.1 unless told otherwise. With a ``token`` every route
but ``/health`` and ``/ping`` needs ``Authorization: Bearer <token>`` (or
jupyter's ``token <token>``), else 401; never in the URL, which gets logged.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from ..errors import InvalidArgument
from ..store import Store, get_store
from ..store import models as model_store
from ..store.models import ModelVersionInfo
from . import serialize
from .predict import Predictor
from .serve_auth import check_token, exposure_warning
from .signature import PayloadError, Signature
from .trust import Trust, check_trusted
from .uri import parse_ref

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 10 * 1024 * 1024
JSON_TYPE = "application/json; charset=UTF-8"


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
        self.loaded = self._load(self._target_version())
        self.started_at = time.time()

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
        }


# -- handlers --------------------------------------------------------------------
@tornado.web.stream_request_body
class _Handler(tornado.web.RequestHandler):
    """Every route reads its body in chunks so that an oversize body is refused with 413."""

    open_route = False  # True: answered without the token

    def initialize(self, server: ModelServer) -> None:
        self.server = server
        self._chunks: list[bytes] = []
        self._size = 0

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", JSON_TYPE)

    def _too_large(self, close: bool = False) -> None:
        limit = self.server.max_body_bytes
        message = f"request body is larger than the limit of {limit} bytes"
        self.send_error(413, message=message, close=close)

    def _authorized(self, token: bytes) -> bool:
        scheme, _, value = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return False
        return hmac.compare_digest(value.strip().encode(), token)

    def prepare(self) -> None:
        self._overflow = False
        token = self.server.token
        if token is not None and not self.open_route and not self._authorized(token):
            # Answered before the body is read, so tornado drops the connection: say so.
            self.set_header("WWW-Authenticate", 'Bearer realm="model server"')
            message = "this server needs a token: send the header Authorization: Bearer <token>"
            self.send_error(401, message=message, close=True)
            return
        length = self.request.headers.get("Content-Length")
        if length is None or not length.isdigit():
            return
        if int(length) > self.server.discard_limit:
            # Too big even to read and discard: answer now and drop the connection.
            self._too_large(close=True)
        elif int(length) > self.server.max_body_bytes:
            self._overflow = True

    def data_received(self, chunk: bytes) -> None:
        # Over the limit the body is read and discarded (not kept), so that the
        # client gets its 413 on a connection that stays usable.
        if self._finished or self._overflow:
            return
        self._size += len(chunk)
        if self._size > self.server.max_body_bytes:
            self._overflow = True
            self._chunks.clear()
            return
        self._chunks.append(chunk)

    def body(self) -> bytes | None:
        """The request body, or None after answering 413 when it was over the limit."""
        if self._overflow:
            self._too_large()
            return None
        return b"".join(self._chunks)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        message = kwargs.get("message") or self._reason
        exc = kwargs.get("exc_info")
        if exc is not None and isinstance(exc[1], tornado.web.HTTPError) and exc[1].log_message:
            message = exc[1].log_message
        if kwargs.get("close"):
            self.set_header("Connection", "close")
        self.finish(json.dumps({"error": message, "status": status_code}))

    def reply(self, body: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(body))


class HealthHandler(_Handler):
    open_route = True

    def get(self) -> None:
        s = self.server
        body = {
            "status": "ok",
            "model": s.ref.name,
            "ref": str(s.ref),
            "version": s.loaded.version,
        }
        if s.alias_missing:
            body["status"] = "alias_missing"
            body["detail"] = f"{s.ref} no longer exists; still serving version {s.loaded.version}"
        self.reply(body)


class MetadataHandler(_Handler):
    def get(self) -> None:
        self.reply(self.server.metadata())


class PredictHandler(_Handler):
    def post(self) -> None:
        loaded = self.server.loaded
        raw = self.body()
        if raw is None:
            return None
        try:
            body = json.loads(raw, parse_constant=_no_constants)
        except (UnicodeDecodeError, ValueError) as exc:
            return self.reply({"error": f"the body is not valid JSON: {exc}", "status": 400}, 400)
        except RecursionError:
            error = "the body is nested too deeply; send records or columns of plain values"
            return self.reply({"error": error, "status": 400}, 400)
        proba = self.get_query_argument("proba", "false").lower() in ("1", "true", "yes")
        try:
            columns = _parse(body, loaded)
            predictions = loaded.predictor.predict(columns, proba=proba)
        except PayloadError as exc:
            return self.reply({"error": str(exc), "status": 400}, 400)
        except (ValueError, TypeError, ArithmeticError) as exc:
            return self.reply({"error": f"the model refused this input: {exc}", "status": 400}, 400)
        out: dict[str, Any] = {"predictions": predictions, "version": loaded.version}
        if proba:
            out["classes"] = loaded.info.signature.get("output", {}).get("classes")
        self.finish(json.dumps(out))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log: errors at warning level; successes only when debugging (they are the hot path)."""
    status = handler.get_status()
    if status < 400:
        if not log.isEnabledFor(logging.DEBUG):
            return
        level = logging.DEBUG
    else:
        level = logging.WARNING
    request = handler.request
    log.log(level, "%d %s %s %.2fms", status, request.method, request.uri,
            1000.0 * request.request_time())  # fmt: skip


def _parse(body: Any, loaded: Loaded) -> dict[str, list]:
    from .signature import parse_payload

    return parse_payload(body, loaded.predictor.signature)


def make_app(server: ModelServer) -> tornado.web.Application:
    args = {"server": server}
    return tornado.web.Application(
        [
            (r"/health", HealthHandler, args),
            (r"/ping", HealthHandler, args),  # MLflow's liveness route
            (r"/metadata", MetadataHandler, args),
            (r"/predict", PredictHandler, args),
            (r"/invocations", PredictHandler, args),  # MLflow's route, for drop-in clients
        ],
        default_handler_class=_NotFound,
        default_handler_args=args,
        log_function=_log_request,
    )


class _NotFound(_Handler):
    def _missing(self, *args: Any) -> None:
        self.send_error(404, message="no such route; try GET /health, GET /metadata, POST /predict")

    get = post = put = patch = delete = head = _missing


# -- running ---------------------------------------------------------------------
def _listen(server: ModelServer, host: str, port: int) -> tuple[tornado.httpserver.HTTPServer, int]:
    http = tornado.httpserver.HTTPServer(
        make_app(server),
        # Bodies stream through the handlers, which enforce max_body_bytes with a 413;
        # tornado's own limit (which drops the connection) is only a backstop.
        max_body_size=server.discard_limit + 1,
        xheaders=False,
    )
    sockets = tornado.netutil.bind_sockets(
        port, host, family=socket.AF_INET if ":" not in host else socket.AF_UNSPEC
    )
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
) -> None:
    """Serve ``ref`` until interrupted. ``ready(url, server)`` is called once listening.

    The model is loaded (and refused when untrusted) before anything of it runs,
    the predictor's start-up probe included.
    """
    server = ModelServer(
        ref,
        trusted=trusted,
        refresh_interval=refresh_interval,
        max_body_bytes=max_body_bytes,
        token=token,
    )
    # Everything loaded so far lives for the whole process: keep it out of GC scans
    # so that collections stay short and do not show up in tail latency.
    gc.collect()
    gc.freeze()

    async def main() -> None:
        http, bound = _listen(server, host, port)
        refresher = tornado.ioloop.PeriodicCallback(server.refresh_async, refresh_interval * 1000)
        refresher.start()
        if ready is not None:
            ready(f"http://{_url_host(host)}:{bound}", server)
        try:
            await asyncio.Event().wait()
        finally:
            refresher.stop()
            http.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


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

        asyncio.run(main())

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
) -> BackgroundServer:
    """Serve ``ref`` from a daemon thread; port 0 picks a free port (see ``.url``)."""
    server = ModelServer(
        ref,
        trusted=trusted,
        refresh_interval=refresh_interval,
        max_body_bytes=max_body_bytes,
        token=token,
    )
    if (warning := exposure_warning(host, token)) is not None:
        log.warning(warning)
    return BackgroundServer(server, host, port)
