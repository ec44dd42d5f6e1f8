"""What every MLflow route shares: authentication, argument parsing and MLflow's error shape.

A route module (``tracking.py``, ``experiments.py``, ``artifacts.py``,
``registry.py``) declares ``ROUTES``: ``(path under the prefix, mixin class)``.
A mixin derives from :class:`MlflowMixin` and implements ``on_get``,
``on_post``, ``on_put``, ``on_patch`` or ``on_delete``; ``mlflow_routes`` (in
``__init__.py``) combines it with one of the two request bases here:

- :class:`JupyterBase`, inside the Jupyter server: every verb is
  ``@web.authenticated`` and ``@authorized`` like the rest of the REST API.
  The MLflow client sends ``Authorization: Bearer $MLFLOW_TRACKING_TOKEN``,
  which jupyter_server's identity provider accepts as the Jupyter token
  (``token`` or ``bearer``); a token-authenticated request is exempt from the
  XSRF check, so the client's POSTs need no cookie.
- :class:`StandaloneBase`, for ``jupyter mlops tracking-server``: an optional
  bearer token (``mlflow_token`` in the application settings), nothing else.

JSON routes are one function each: ``json_endpoint("POST", fn)`` parses the
arguments MLflow's way (GET: the query string; anything else: a JSON body),
calls ``fn(args)`` in a worker thread and replies with what it returns.

Errors are MLflow's: ``{"error_code": ..., "message": ...}``, mapped once here:

=======================  ==========================  ======
raised                   error_code                  status
=======================  ==========================  ======
``MlflowError``          its own                     its own
``NotFound``             RESOURCE_DOES_NOT_EXIST     404
``InvalidArgument``      INVALID_PARAMETER_VALUE     400
``Conflict``             INVALID_PARAMETER_VALUE     400
``StoreError``           TEMPORARILY_UNAVAILABLE     503
other ``MlopsError``     BAD_REQUEST                 400
tornado ``HTTPError``    by status (401/403/404/405)
anything else            INTERNAL_ERROR              500
=======================  ==========================  ======
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.web import HTTPError

from ...errors import Conflict, InvalidArgument, MlopsError, NotFound, StoreError
from ..base import MAX_JSON_DEPTH, MlopsHandler, json_depth

T = TypeVar("T")
log = logging.getLogger("jupyter_mlops.mlflow")

_COMPACT = (",", ":")  # no whitespace: less for the client to read on a thousand-run page
MAX_REQUEST_BYTES = 1024 * 1024  # MLflow's limit on a log-batch request

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    405: "BAD_REQUEST",
    413: "INVALID_PARAMETER_VALUE",
}


class MlflowError(Exception):
    """An error with MLflow's own code, for cases the core's exceptions do not name."""

    def __init__(
        self, message: str, error_code: str = "INVALID_PARAMETER_VALUE", status: int = 400
    ):
        super().__init__(message)
        self.error_code = error_code
        self.status = status


def mlflow_error(exc: BaseException) -> tuple[int, str, str]:
    """(status, error_code, message) of an exception, the one mapping for every route."""
    if isinstance(exc, MlflowError):
        return exc.status, exc.error_code, str(exc)
    if isinstance(exc, HTTPError):
        code = _HTTP_CODES.get(exc.status_code, "INTERNAL_ERROR")
        return exc.status_code, code, exc.log_message or exc.reason or code
    if isinstance(exc, NotFound):
        return 404, "RESOURCE_DOES_NOT_EXIST", str(exc)
    if isinstance(exc, (InvalidArgument, Conflict)):
        return 400, "INVALID_PARAMETER_VALUE", str(exc)
    if isinstance(exc, StoreError):
        return 503, "TEMPORARILY_UNAVAILABLE", str(exc)
    if isinstance(exc, MlopsError):
        return 400, "BAD_REQUEST", str(exc)
    return 500, "INTERNAL_ERROR", "internal server error (see the server log)"


class RawJson(str):
    """A reply already encoded as JSON (search-runs writes its thousand-run page as text)."""


class Args(dict):
    """A request's arguments with typed getters that fail in MLflow's words."""

    def str(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.get(key)
        if value is None or value == "":
            if required:
                raise MlflowError(f"Missing value for required parameter '{key}'.")
            return default
        if not isinstance(value, str):
            raise MlflowError(f"Invalid value {value!r} for parameter '{key}': expected a string")
        return value

    def int(self, key: str, *, default: int | None = None) -> int | None:
        value = self.get(key)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise MlflowError(
                f"Invalid value {value!r} for parameter '{key}': expected an integer"
            ) from None

    def list(self, key: str) -> list[Any]:
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            return [value]
        return value


class MlflowMixin:
    """Parsing, replies and errors in MLflow's shape; the request base comes from the route list."""

    def mlflow_args(self) -> Args:
        """GET: the query string (a repeated key is a list); otherwise the JSON body."""
        request = self.request  # type: ignore[attr-defined]
        if request.method == "GET":
            args = Args()
            for key, values in request.query_arguments.items():
                decoded = [v.decode("utf-8", errors="replace") for v in values]
                args[key] = decoded[0] if len(decoded) == 1 else decoded
            return args
        raw = request.body
        if len(raw) > MAX_REQUEST_BYTES:
            raise MlflowError(
                f"Request body of {len(raw)} bytes exceeds the limit of {MAX_REQUEST_BYTES} bytes"
            )
        if not raw:
            return Args()
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise MlflowError(
                "Malformed request: the body is not valid JSON", "BAD_REQUEST"
            ) from None
        if not isinstance(body, dict) or json_depth(body) > MAX_JSON_DEPTH:
            raise MlflowError("Malformed request: the body must be a JSON object", "BAD_REQUEST")
        return Args(body)

    def mlflow_reply(self, value: Mapping[str, Any] | RawJson | None) -> None:
        self.set_header("Content-Type", "application/json")  # type: ignore[attr-defined]
        if not isinstance(value, RawJson):
            value = json.dumps(value or {}, allow_nan=True, separators=_COMPACT)
        self.finish(value)  # type: ignore[attr-defined]

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking core function in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(fn, *args, **kwargs)
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if exc is None:
            code, message = _HTTP_CODES.get(status_code, "INTERNAL_ERROR"), ""
        else:
            _, code, message = mlflow_error(exc)
        self.set_header("Content-Type", "application/json")  # type: ignore[attr-defined]
        self.finish(json.dumps({"error_code": code, "message": message}))  # type: ignore[attr-defined]

    def _handle_request_exception(self, e: BaseException) -> None:
        if self._finished:  # type: ignore[attr-defined]
            return super()._handle_request_exception(e)  # type: ignore[misc]
        status, code, message = mlflow_error(e)
        if status >= 500 and code == "INTERNAL_ERROR":
            return super()._handle_request_exception(e)  # type: ignore[misc]  # logs the traceback
        request = self.request  # type: ignore[attr-defined]
        log.info("mlflow: %s %s -> %d %s: %s", request.method, request.path, status, code, message)
        self.send_error(status, exc_info=(type(e), e, e.__traceback__))  # type: ignore[attr-defined]


async def _dispatch(handler: Any, verb: str, *args: Any) -> None:
    impl = getattr(handler, f"on_{verb}", None)
    if impl is None:
        raise MlflowError(f"{verb.upper()} is not supported here", "BAD_REQUEST", 405)
    await impl(*args)


def _jupyter_verb(verb: str) -> Callable:
    @web.authenticated
    @authorized
    async def handle(self: Any, *args: Any) -> None:
        await _dispatch(self, verb, *args)

    handle.__name__ = verb
    return handle


def _standalone_verb(verb: str) -> Callable:
    async def handle(self: Any, *args: Any) -> None:
        await _dispatch(self, verb, *args)

    handle.__name__ = verb
    return handle


_VERBS = ("get", "post", "put", "patch", "delete")


class JupyterBase(MlopsHandler):
    """Inside the Jupyter server: its authentication, authorisation and XSRF rules."""

    auth_resource = "mlops"

    def get_login_url(self) -> str:
        raise MlflowError(
            "Authentication required: set MLFLOW_TRACKING_TOKEN to the Jupyter server's token",
            "UNAUTHENTICATED",
            401,
        )


for _verb in _VERBS:
    setattr(JupyterBase, _verb, _jupyter_verb(_verb))


class StandaloneBase(web.RequestHandler):
    """For ``jupyter mlops tracking-server``: a bearer token when one is configured."""

    def prepare(self) -> None:
        token = self.settings.get("mlflow_token")
        if not token:
            return
        header = self.request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise MlflowError(
                "Authentication required: set MLFLOW_TRACKING_TOKEN to the server's token",
                "UNAUTHENTICATED",
                401,
            )


for _verb in _VERBS:
    setattr(StandaloneBase, _verb, _standalone_verb(_verb))


def json_endpoint(method: str, fn: Callable[[Args], Mapping[str, Any] | RawJson | None]) -> type:
    """A mixin serving ``fn(args)`` as JSON on ``method`` (MLflow's GET or POST convention)."""

    async def serve(self: Any) -> None:
        args = self.mlflow_args()
        self.mlflow_reply(await self.call(fn, args))

    name = "".join(part.title() for part in fn.__name__.split("_")) + "Handler"
    return type(name, (MlflowMixin,), {f"on_{method.lower()}": serve, "__doc__": fn.__doc__})
