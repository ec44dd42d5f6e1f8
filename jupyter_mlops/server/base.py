"""The base handler: authentication, authorisation, JSON replies and the ONE error mapping.

Every resource handler derives from :class:`MlopsHandler`. Core calls run in a
worker thread (``await self.call(fn, ...)``) so a slow query never blocks the
server's event loop, and every exception they raise is turned into a JSON
error reply here, in one place:

============================  ======
exception                     status
============================  ======
``InvalidArgument``           400
``NotFound``                  404
``Conflict``                  409
``StoreError``                503 (the store failed, not the request)
any other ``MlopsError``      400
anything else                 500
============================  ======

Messages never show the server's root folder: paths under it are shown relative to it.
Request bodies are JSON objects nested at most ``MAX_JSON_DEPTH`` levels; whole
numbers in the query string are at most ``MAX_INT``; a NUL byte anywhere in the
URL is a 400.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import functools
import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.web import HTTPError

from ..errors import Conflict, InvalidArgument, MlopsError, NotFound, StoreError

T = TypeVar("T")

API_PREFIX = "mlops/api"
MAX_PAGE = 1000
MAX_JSON_DEPTH = 64
MAX_INT = 2**62  # below SQLite's and PostgreSQL's 64-bit bound, with room for offset + limit


def status_for(exc: BaseException) -> int:
    """The HTTP status of an exception raised by the core."""
    if isinstance(exc, HTTPError):
        return exc.status_code
    if isinstance(exc, InvalidArgument):
        return 400
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, MlopsError):
        return 400
    return 500


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (without recursion)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            todo.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def relative_to_root(message: str, root_dir: str) -> str:
    """``message`` with every path under the server's root folder shown relative to it."""
    root = Path(root_dir).expanduser()
    for form in {str(root.resolve()), str(root)}:
        if len(Path(form).parts) > 1:  # never rewrite "/"
            message = message.replace(form + os.sep, "").replace(form, ".")
    return message


def to_json(value: Any) -> Any:
    """Plain JSON values: dataclasses become objects, NaN/inf and NaT become null."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return None if value != value else value.timestamp()  # NaT != NaT
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return to_json(value.item())  # numpy scalars
    if hasattr(value, "to_plotly_json"):
        return to_json(value.to_plotly_json())
    if hasattr(value, "tolist"):
        return to_json(value.tolist())  # numpy arrays
    try:
        import pandas as pd

        if value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            return value.timestamp()
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


class MlopsHandler(ExtensionHandlerMixin, APIHandler):
    """JSON API handler over the core; subclasses only parse, call and reply."""

    auth_resource = "mlops"

    async def prepare(self) -> None:
        await super().prepare()  # authentication and origin checks first
        if "\x00" in self.request.path or "%00" in self.request.uri:
            raise InvalidArgument("URL", "no NUL byte in the path or query", self.request.path)

    @property
    def root_dir(self) -> str:
        """The server's root folder (notebooks and pipelines are resolved under it)."""
        return self.settings.get("server_root_dir") or self.serverapp.root_dir

    # -- replies ---------------------------------------------------------------
    def reply(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(to_json(value), allow_nan=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error is JSON: ``{"message": ..., "error": <exception class>}``."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, HTTPError):
            message = exc.log_message or self._reason
            error = "HTTPError"
        elif exc is not None and (status_code < 500 or isinstance(exc, MlopsError)):
            message = relative_to_root(str(exc), self.root_dir)
            error = type(exc).__name__
        else:
            message, error = "internal server error (see the server log)", "InternalError"
        reply: dict[str, Any] = {"message": message, "error": error, "status": status_code}
        if getattr(exc, "results", None) is not None:  # e.g. the gates a promotion failed
            reply["details"] = to_json(exc.results)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(reply, allow_nan=False))

    def _handle_request_exception(self, e: BaseException) -> None:
        # The one mapping from core exceptions to HTTP statuses.
        if isinstance(e, HTTPError) or self._finished:
            return super()._handle_request_exception(e)
        status = status_for(e)
        if status >= 500 and not isinstance(e, MlopsError):
            self.log.error("jupyter_mlops: %s %s failed", self.request.method, self.request.uri)
            return super()._handle_request_exception(e)
        level = logging.WARNING if status >= 500 else logging.INFO
        self.log.log(
            level,
            "jupyter_mlops: %s %s -> %d: %s",
            self.request.method,
            self.request.uri,
            status,
            e,
        )
        self.send_error(status, exc_info=(type(e), e, e.__traceback__))

    # -- calling the core ----------------------------------------------------------
    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking core function in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(fn, *args, **kwargs)
        )

    # -- request parsing -----------------------------------------------------------
    def int_arg(self, name: str, default: int, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw) if len(raw) <= 30 else None
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise InvalidArgument(name, f"a whole number >= {minimum} and <= {maximum}", raw)
        return value

    def str_arg(self, name: str, default: str | None = None) -> str | None:
        raw = self.get_query_argument(name, None)
        return default if raw is None or raw.strip() == "" else raw.strip()

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object (an empty body is ``{}``)."""
        raw = self.request.body
        if not raw:
            return {}
        nested = f"a JSON object nested at most {MAX_JSON_DEPTH} levels deep"
        try:
            body = json.loads(raw)
        except RecursionError:
            raise InvalidArgument("body", nested, raw[:20].decode(errors="replace")) from None
        except ValueError as exc:
            raise InvalidArgument(
                "body", "a JSON object", raw[:80].decode(errors="replace")
            ) from exc
        if not isinstance(body, dict):
            raise InvalidArgument("body", "a JSON object", type(body).__name__)
        if json_depth(body) > MAX_JSON_DEPTH:
            raise InvalidArgument("body", nested, raw[:20].decode(errors="replace"))
        return body


def body_str(body: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    """A string field of a JSON body, with the 400 a missing or mistyped one deserves."""
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(key, "a non-empty string in the JSON body", value)
    return value.strip()


def route(path: str) -> str:
    """``/mlops/api/<path>`` (jupyter_server prepends the base URL)."""
    return f"/{API_PREFIX}/{path}".rstrip("/")
