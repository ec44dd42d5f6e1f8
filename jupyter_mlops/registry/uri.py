"""Model names, alias names and model references (``name@alias``, ``name/3``, ``name@latest``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
LATEST = "latest"


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: exactly one of ``version`` and ``alias`` is set."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        return (
            f"{self.name}/{self.version}"
            if self.version is not None
            else f"{self.name}@{self.alias}"
        )


def check_model_name(name: Any) -> str:
    if not isinstance(name, str) or not _MODEL_NAME.match(name):
        raise InvalidArgument(
            "name",
            "a model name of letters, digits, '_', '.', '-' (at most 200, starting with a "
            "letter or digit)",
            name,
        )
    return name


def check_alias(alias: Any, *, allow_latest: bool = False) -> str:
    """Aliases are short identifiers; ``latest`` is computed, so it cannot be set."""
    if not isinstance(alias, str) or not _ALIAS.match(alias):
        raise InvalidArgument(
            "alias",
            "an alias of letters, digits, '_' or '-' starting with a letter (at most 64), "
            "no spaces or slashes",
            alias,
        )
    if alias == LATEST and not allow_latest:
        raise InvalidArgument(
            "alias",
            "an alias other than 'latest'",
            alias,
            hint="'latest' always means the newest version",
        )
    return alias


MAX_VERSION = 2**63 - 1  # the database's signed 64-bit integer


def check_version(version: Any) -> int:
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise InvalidArgument("version", f"a version number from 1 to {MAX_VERSION}", version)
    return version


def parse_ref(ref: Any) -> ModelRef:
    """``name@alias``, ``name@latest``, ``name/3``, ``name@3``, ``name`` (latest); ``models:/`` prefix ok."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidArgument("model", "a model reference like 'name@production' or 'name/3'", ref)
    text = ref.strip().removeprefix("models:/")
    if "@" in text:
        name, _, alias = text.partition("@")
        if alias.isdigit():
            return ModelRef(check_model_name(name), version=check_version(alias))
        return ModelRef(check_model_name(name), alias=check_alias(alias, allow_latest=True))
    if "/" in text:
        name, _, version = text.partition("/")
        if not version.isdigit():
            raise InvalidArgument(
                "model",
                "'name/VERSION' with a version number",
                ref,
                hint="for an alias use name@alias",
            )
        return ModelRef(check_model_name(name), version=check_version(version))
    return ModelRef(check_model_name(text), alias=LATEST)
