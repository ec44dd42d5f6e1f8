"""Aliases: movable names (``production``, ``staging``...) for one version each."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import InvalidArgument
from ..store import get_store
from ..store import models as model_store
from . import changes
from .uri import check_alias, check_model_name, check_version


@dataclass(frozen=True)
class AliasMove:
    name: str
    alias: str
    from_version: int | None
    to_version: int | None


def _check_reason(reason: object) -> str | None:
    if reason is not None and not isinstance(reason, str):
        raise InvalidArgument("reason", "a string", type(reason).__name__)
    return reason


def set_alias(name: str, alias: str, version: int, reason: str | None = None) -> AliasMove:
    """Point ``name@alias`` at ``version``; the move is recorded with who, when and why."""
    check_model_name(name)
    check_alias(alias)
    version = check_version(version)
    reason = _check_reason(reason)
    if changes.dry_run():
        return AliasMove(name, alias, changes.would_move(name, alias, version), version)
    before = model_store.set_alias(get_store(), name, alias, version, reason=reason)
    changes.moved(name, alias, before, version)
    return AliasMove(name, alias, before, version)


def delete_alias(name: str, alias: str, reason: str | None = None) -> AliasMove:
    """Remove ``name@alias`` (the version stays); recorded like a move to nothing."""
    check_model_name(name)
    check_alias(alias)
    reason = _check_reason(reason)
    if changes.dry_run():
        return AliasMove(name, alias, changes.would_move(name, alias, None), None)
    before = model_store.delete_alias(get_store(), name, alias, reason=reason)
    changes.moved(name, alias, before, None)
    return AliasMove(name, alias, before, None)


def alias_history(name: str, alias: str | None = None) -> pd.DataFrame:
    """Every alias move of a model, newest first: time, user, alias, from/to version, reason
    and the gates a promotion checked (``None`` for a move without gates)."""
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    events = model_store.alias_history(get_store(), name, alias)
    return pd.DataFrame(
        {
            "time": pd.to_datetime([e.timestamp for e in events], unit="s", utc=True),
            "user": [e.user for e in events],
            "alias": [e.payload.get("alias") for e in events],
            "from_version": pd.array([e.payload.get("from_version") for e in events], "Int64"),
            "to_version": pd.array([e.payload.get("to_version") for e in events], "Int64"),
            "via": [e.payload.get("via", "delete_alias") for e in events],
            "forced": [bool(e.payload.get("forced", False)) for e in events],
            "reason": [e.reason for e in events],
            "gates": [e.payload.get("gates") for e in events],
        }
    )
