"""The model registry: models, versions, lineage, alias history, and moving an alias."""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

import jupyter_mlops as mlops  # the core, loaded on first request: the server starts fast

from ..errors import InvalidArgument
from .base import MlopsHandler, body_str, route


def all_models() -> list[Any]:
    names = list(mlops.list_models()["name"])
    return [mlops.get_model(n) for n in names]


def model_detail(name: str) -> dict[str, Any]:
    return {"model": mlops.get_model(name), "versions": mlops.list_versions(name)}


def alias_moves(name: str, alias: str | None) -> list[dict[str, Any]]:
    frame = mlops.alias_history(name, alias)
    rows = []
    for rec in frame.to_dict(orient="records"):
        rows.append({k: (None if v is None or v != v else v) for k, v in rec.items()})
    return rows


def move_alias(name: str, alias: str, body: dict[str, Any]) -> Any:
    """Move ``name@alias`` through the gates in ``require`` (``force`` overrides, with a reason).

    ``require`` goes to the core as sent: gate text (``"acc >= current; f1 >= 0.8"``),
    a list of such texts or an object ``{metric: rule}``; the core's parser refuses
    what it cannot read (400, naming the text). ``on`` (a snapshot reference),
    ``target`` and ``tolerance`` make the gates read evaluations on that snapshot.
    """
    version = body.get("version")
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**63:
        raise InvalidArgument("version", "a version number (1 or more) in the JSON body", version)
    reason = body_str(body, "reason")
    require = body.get("require")
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise InvalidArgument("force", "true or false", force)
    return mlops.promote_model(
        name,
        version,
        to=alias,
        require=require,
        force=force,
        reason=reason,
        on=body.get("on"),  # the core checks on, target and tolerance and names them
        target=body.get("target"),
        tolerance=body.get("tolerance", 0.0),
    )


class ModelsHandler(MlopsHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"models": await self.call(all_models)})


class ModelHandler(MlopsHandler):
    """``GET /mlops/api/models/<name>``: the model and every version with its aliases."""

    @tornado.web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.reply(await self.call(model_detail, name))


class LineageHandler(MlopsHandler):
    """``GET /mlops/api/models/<name>/versions/<version>/lineage``: run, snapshots, cells."""

    @tornado.web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        found = await self.call(mlops.lineage, f"{name}/{version}")
        self.reply(found.to_dict())


class AliasesHandler(MlopsHandler):
    """``GET /mlops/api/models/<name>/aliases[?alias=]``: every move, newest first."""

    @tornado.web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.reply({"moves": await self.call(alias_moves, name, self.str_arg("alias"))})


class AliasHandler(MlopsHandler):
    """``POST /mlops/api/models/<name>/aliases/<alias>`` with ``{"version", "reason", "require"?}``."""

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str, alias: str) -> None:
        result = await self.call(move_alias, name, alias, self.json_body())
        self.reply({"promotion": result})


handlers = [
    (route("models"), ModelsHandler),
    (route(r"models/(?P<name>[^/]+)"), ModelHandler),
    (route(r"models/(?P<name>[^/]+)/versions/(?P<version>\d+)/lineage"), LineageHandler),
    (route(r"models/(?P<name>[^/]+)/aliases"), AliasesHandler),
    (route(r"models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)"), AliasHandler),
]
