"""The model server's HTTP handlers: health, metadata, predict, MLflow's invocations, labels.

Every route streams its body so an oversize one gets 413 before it is read into
memory; with a token every route but ``/health`` and ``/ping`` needs it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

import tornado.web

from ..errors import Conflict, InvalidArgument, NotFound, StoreError
from .scoring import ScoringError, content_kind, parse_csv, parse_request
from .signature import PayloadError

if TYPE_CHECKING:
    from .serve import Loaded, ModelServer

log = logging.getLogger("jupyter_mlops.registry.serve")

JSON_TYPE = "application/json; charset=UTF-8"
ID_HEADER = "X-Prediction-Ids"
MAX_HEADER_IDS = 100


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
        self.finish(json.dumps(self.error_body(status_code, message)))

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": message, "status": status}

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


def score(
    server: ModelServer, loaded: Loaded, columns: dict[str, list], proba: bool = False
) -> tuple[list, list[str]]:
    """Predictions and their ids for validated columns, handed to the inference log (both routes)."""
    predictions = loaded.predictor.predict(columns, proba=proba)
    ids = server.ids.take(len(predictions))
    if server.inference_log is not None:  # enqueue only: the log's thread writes
        server.inference_log.record(
            columns, predictions, ids, loaded.version, server.ref.alias, proba=proba
        )
    return predictions, ids


class PredictHandler(_Handler):
    def post(self) -> None:
        loaded = self.server.loaded
        raw = self.body()
        if raw is None:
            return None
        content_type = self.request.headers.get("Content-Type")
        try:
            if content_type in _JSON_HEADERS or content_kind(content_type) == "json":
                columns = _parse(_json_body(raw), loaded)
            else:
                columns = parse_csv(raw, loaded.predictor.signature)
        except ScoringError as exc:
            return self.reply({"error": str(exc), "status": exc.status}, exc.status)
        except PayloadError as exc:
            return self.reply({"error": str(exc), "status": 400}, 400)
        proba = self.get_query_argument("proba", "false").lower() in ("1", "true", "yes")
        try:
            predictions, ids = score(self.server, loaded, columns, proba)
        except PayloadError as exc:
            return self.reply({"error": str(exc), "status": 400}, 400)
        except (ValueError, TypeError, ArithmeticError) as exc:
            return self.reply({"error": f"the model refused this input: {exc}", "status": 400}, 400)
        out: dict[str, Any] = {"predictions": predictions, "ids": ids, "version": loaded.version}
        if proba:
            out["classes"] = loaded.info.signature.get("output", {}).get("classes")
        self.set_header(ID_HEADER, id_header(ids))
        self.finish(json.dumps(out))


class InvocationsHandler(_Handler):
    """MLflow's ``POST /invocations`` (see ``scoring``): ``{"predictions": [...], "ids": [...]}``."""

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        code = {401: "UNAUTHENTICATED", 404: "ENDPOINT_NOT_FOUND"}.get(status, "BAD_REQUEST")
        return {"error_code": code, "message": message}

    def fail(self, status: int, message: str) -> None:
        self.reply(self.error_body(status, message), status)

    def post(self) -> None:
        loaded = self.server.loaded
        raw = self.body()
        if raw is None:
            return None
        content_type = self.request.headers.get("Content-Type")
        try:
            columns = parse_request(raw, content_type, loaded.predictor.signature)
            predictions, ids = score(self.server, loaded, columns)
        except ScoringError as exc:
            return self.fail(exc.status, str(exc))
        except PayloadError as exc:
            return self.fail(400, str(exc))
        except (ValueError, TypeError, ArithmeticError) as exc:
            return self.fail(400, f"the model refused this input: {exc}")
        self.set_header(ID_HEADER, id_header(ids))
        self.finish(json.dumps({"predictions": predictions, "ids": ids}))


class VersionHandler(_Handler):
    """MLflow's ``GET /version``: the server's version as plain text."""

    open_route = True

    def get(self) -> None:
        from .._version import __version__

        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(__version__)


class LabelsHandler(_Handler):
    """``POST /labels`` ``{"ids": [...], "labels": [...], "replace": false}``: all or none."""

    async def post(self) -> None:
        from ..monitor.labels import log_labels

        raw = self.body()
        if raw is None:
            return None
        try:
            body = json.loads(raw, parse_constant=_no_constants)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            return self.reply({"error": f"the body is not valid JSON: {exc}", "status": 400}, 400)
        if not isinstance(body, dict) or set(body) - {"ids", "labels", "replace"}:
            error = 'send {"ids": [...], "labels": [...]} (and "replace": true to overwrite)'
            return self.reply({"error": error, "status": 400}, 400)
        name, ids, labels = self.server.ref.name, body.get("ids"), body.get("labels")
        replace = body.get("replace", False)
        loop = asyncio.get_running_loop()
        try:
            done = await loop.run_in_executor(
                None, lambda: log_labels(name, ids, labels, replace=replace)
            )
        except (InvalidArgument, NotFound, Conflict, StoreError) as exc:
            status = _LABEL_STATUS.get(type(exc).__name__) or _status_of(exc)
            extra = {"unknown": exc.unknown} if hasattr(exc, "unknown") else {}
            return self.reply({"error": str(exc), "status": status, **extra}, status)
        self.reply({"model": done.model, "added": done.added, "replaced": done.replaced,
                    "skipped": done.skipped})  # fmt: skip


_LABEL_STATUS = {"UnknownPredictions": 400}


def _status_of(exc: Exception) -> int:
    for kind, status in ((InvalidArgument, 400), (NotFound, 404), (Conflict, 409)):
        if isinstance(exc, kind):
            return status
    return 503  # the store could not be reached or written


def id_header(ids: list[str]) -> str:
    """Up to 100 ids comma-separated; beyond, ``first..last`` (a request's ids are consecutive)."""
    if len(ids) <= MAX_HEADER_IDS:
        return ",".join(ids)
    return f"{ids[0]}..{ids[-1]}"


_JSON_HEADERS = frozenset({None, "application/json"})  # no parsing on the hot path


def _json_body(raw: bytes) -> Any:
    """The JSON body of ``/predict`` (ScoringError 400 when it is not JSON)."""
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScoringError(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ScoringError(
            "the body is nested too deeply; send records or columns of plain values"
        ) from None


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
            (r"/invocations", InvocationsHandler, args),  # MLflow's scoring protocol
            (r"/version", VersionHandler, args),
            (r"/labels", LabelsHandler, args),
        ],
        default_handler_class=_NotFound,
        default_handler_args=args,
        log_function=_log_request,
    )


class _NotFound(_Handler):
    def _missing(self, *args: Any) -> None:
        self.send_error(404, message="no such route; try GET /health, GET /metadata, POST /predict")

    get = post = put = patch = delete = head = _missing
