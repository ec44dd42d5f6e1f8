"""Experiments by id: create with tags, rename, delete, restore, tag, search (MLflow's API uses these).

Experiment ids are the store's integer ids; MLflow's ``"0"`` (its default
experiment) is the default experiment here (``MLOPS_EXPERIMENT``, created on
first use). Search filters are MLflow's experiment filters: ``name`` (or
``attribute.name``) and ``tags.K`` with ``=``, ``!=``, ``LIKE``, ``ILIKE``,
joined by ``and``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import config
from ..errors import InvalidArgument
from ..store import experiment_admin as store_exp
from ..store import get_store
from ..store.experiment_admin import ExperimentDetail
from .filters import parse_filter
from .validation import check_key, tag_to_text

__all__ = [
    "ExperimentDetail",
    "create_experiment",
    "delete_experiment",
    "experiment_id_of",
    "get_experiment",
    "rename_experiment",
    "restore_experiment",
    "search_experiments",
    "set_experiment_tags",
]

DEFAULT_ID = "0"
VIEWS = {"ACTIVE_ONLY": ("active",), "DELETED_ONLY": ("deleted",), "ALL": ("active", "deleted")}


def experiment_id_of(ref: str | int) -> int:
    """The store id of an experiment id as MLflow sends it (``"0"``: the default experiment)."""
    text = str(ref).strip()
    if text == DEFAULT_ID:
        return store_exp.get_or_create(get_store(), config.default_experiment()).experiment_id
    if not text.isdigit() or len(text) > 18:
        raise InvalidArgument("experiment_id", "an experiment id (a whole number)", ref)
    return int(text)


def _name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 250:
        raise InvalidArgument("name", "a non-empty experiment name of at most 250 characters", name)
    return name.strip()


def _tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {check_key(k, "tag key"): tag_to_text(k, v) for k, v in (tags or {}).items()}


def create_experiment(name: str, tags: Mapping[str, Any] | None = None) -> ExperimentDetail:
    """A new experiment; ``Conflict`` when the name is taken (deleted experiments too)."""
    return store_exp.create_experiment(get_store(), _name(name), _tags(tags))


def get_experiment(
    experiment_id: str | int | None = None, name: str | None = None
) -> ExperimentDetail:
    """One experiment by id or by name (deleted ones too)."""
    if name is not None:
        return store_exp.get_experiment(get_store(), name=_name(name))
    return store_exp.get_experiment(get_store(), experiment_id_of(experiment_id))


def rename_experiment(experiment_id: str | int, name: str) -> ExperimentDetail:
    return store_exp.update_experiment(
        get_store(), experiment_id_of(experiment_id), name=_name(name)
    )


def delete_experiment(experiment_id: str | int) -> ExperimentDetail:
    """Hide an experiment (its runs stay); ``restore_experiment`` undoes it."""
    return store_exp.update_experiment(get_store(), experiment_id_of(experiment_id), deleted=True)


def restore_experiment(experiment_id: str | int) -> ExperimentDetail:
    return store_exp.update_experiment(get_store(), experiment_id_of(experiment_id), deleted=False)


def set_experiment_tags(experiment_id: str | int, tags: Mapping[str, Any]) -> ExperimentDetail:
    if not tags:
        raise InvalidArgument("tags", "a non-empty mapping of tag names to values", tags)
    return store_exp.update_experiment(
        get_store(), experiment_id_of(experiment_id), tags=_tags(tags)
    )


def search_experiments(
    filter: str | None = None,
    view: str = "ACTIVE_ONLY",
    limit: int = 1000,
    offset: int = 0,
    newest_first: bool = False,
) -> list[ExperimentDetail]:
    """Experiments matching ``filter`` (see the module docstring), oldest first by default."""
    if view not in VIEWS:
        raise InvalidArgument("view_type", "ACTIVE_ONLY, DELETED_ONLY or ALL", view)
    names, tags = [], []
    for c in parse_filter(filter):
        if c.op not in ("=", "!=", "LIKE", "ILIKE"):
            raise InvalidArgument("filter", "=, !=, LIKE or ILIKE on experiments", c.op)
        if c.kind == "attribute" and c.key == "name":
            names.append((c.op, str(c.value)))
        elif c.kind == "tag":
            tags.append((c.key, c.op, str(c.value)))
        else:
            raise InvalidArgument("filter", "conditions on name or tags.<key>", f"{c.kind} {c.key}")
    return store_exp.search_experiments(
        get_store(),
        lifecycles=VIEWS[view],
        name_conditions=names,
        tag_conditions=tags,
        descending_time=newest_first,
        limit=limit,
        offset=offset,
    )
