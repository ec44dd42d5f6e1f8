"""Registry changes a pipeline makes, and the dry-run mode that only says what they would be.

``pipeline verify`` (and ``pipeline run --dry-run``) start the kernel with
``MLOPS_REGISTRY_DRY_RUN=1``: ``register_model`` then writes nothing and
returns the version it would have made (the next number, the model's digest),
and alias moves (``set_alias``, ``delete_alias``, ``promote``) return the move
they would have made; versions "registered" this way can be aliased and
promoted within the same process, so the notebook runs on as it would.

Every change, made or only described, is appended as one JSON line to the
file named by ``MLOPS_REGISTRY_CHANGES`` when it is set (the pipeline runner
sets it, reads it after the kernel ends, shows it in its summary and records
it on the run as ``registry_changes.json``). Outside a pipeline nothing is
written anywhere but the registry itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import NotFound
from ..store import get_store
from ..store import models as model_store
from ..store.identity import current_user
from ..store.models import ModelVersionInfo

ENV_DRY_RUN = "MLOPS_REGISTRY_DRY_RUN"
ENV_LOG = "MLOPS_REGISTRY_CHANGES"
ARTIFACT = "registry_changes.json"

# Versions this process would have registered in dry-run mode: (store, model, version) -> info.
_would: dict[tuple[str, str, int], ModelVersionInfo] = {}


@dataclass(frozen=True)
class RegistryChange:
    """One registry write: ``register`` (a new version) or ``alias`` (a move, to None = deleted)."""

    action: str
    model: str
    version: int | None
    alias: str | None = None
    from_version: int | None = None
    run_id: str | None = None
    dry_run: bool = False

    def __str__(self) -> str:
        dry = self.dry_run
        if self.action == "register":
            text = f"{'would register' if dry else 'registered'} {self.model}/{self.version}"
        else:
            before = "-" if self.from_version is None else self.from_version
            after = "deleted" if self.version is None else self.version
            verb = "would move" if dry else "moved"
            text = f"{verb} {self.model}@{self.alias}: {before} -> {after}"
        return text + (" (dry run)" if dry else "")


def dry_run() -> bool:
    """True when registry writes are only to be described (``MLOPS_REGISTRY_DRY_RUN``)."""
    return os.environ.get(ENV_DRY_RUN, "").strip().lower() not in ("", "0", "false", "no")


def note(change: RegistryChange) -> None:
    """Append ``change`` to the runner's change log, when there is one."""
    path = os.environ.get(ENV_LOG)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(asdict(change)) + "\n")


def read_log(path: str | os.PathLike) -> list[RegistryChange]:
    """The changes a kernel appended to ``path`` (none when it does not exist)."""
    file = Path(path)
    if not file.is_file():
        return []
    out = []
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(RegistryChange(**json.loads(line)))
    return out


def registered(info: ModelVersionInfo) -> ModelVersionInfo:
    note(RegistryChange("register", info.name, info.version, run_id=info.run_id))
    return info


def moved(name: str, alias: str, before: int | None, version: int | None) -> None:
    note(RegistryChange("alias", name, version, alias=alias, from_version=before))


def would_register(name: str, data: bytes, **fields: Any) -> ModelVersionInfo:
    """The version ``register_model`` would create; nothing is written to the store."""
    store = get_store()
    try:
        latest = model_store.get_model(store, name).latest_version or 0
    except NotFound:
        latest = 0
    uri = store.tracking_uri
    latest = max([latest, *(v for (u, m, v) in _would if (u, m) == (uri, name))])
    info = ModelVersionInfo(
        name=name,
        version=latest + 1,
        created_at=time.time(),
        user=current_user(),
        digest=hashlib.sha256(data).hexdigest(),
        size=len(data),
        input_snapshots=tuple(fields.pop("input_snapshots", ())),
        **fields,
    )
    _would[(uri, name, info.version)] = info
    note(RegistryChange("register", name, info.version, run_id=info.run_id, dry_run=True))
    return info


def would_be(name: str, version: int) -> ModelVersionInfo | None:
    """A version this process registered in dry-run mode, or None."""
    return _would.get((get_store().tracking_uri, name, version))


def would_move(name: str, alias: str, version: int | None) -> int | None:
    """The version ``name@alias`` points at now; the move to ``version`` is only noted."""
    store = get_store()
    if version is not None and would_be(name, version) is None:
        model_store.get_version(store, name, version=version)  # NotFound for a missing version
    before = model_store.alias_version(store, name, alias)
    if version is None and before is None:
        raise NotFound(f"model {name!r} has no alias {alias!r}")
    note(RegistryChange("alias", name, version, alias=alias, from_version=before, dry_run=True))
    return before
