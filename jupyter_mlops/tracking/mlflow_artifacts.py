"""MLflow's artifact paths over our run artifacts (the core of the ``mlflow-artifacts`` proxy).

A run created through MLflow reports ``artifact_uri`` =
``mlflow-artifacts:/<experiment_id>/<run_id>/artifacts`` (:func:`artifact_uri`);
the MLflow client then uploads, lists and downloads at
``<experiment_id>/<run_id>/artifacts/<name>``, which is our run's artifact
``<name>``. The bytes go into the content-addressed blob store, and ``<name>``
passes the same check as every artifact name (:func:`..validation.check_key`:
no ``..``, no leading ``/``, no backslash), so nothing the client sends becomes
a file-system path. Folders do not exist as such: they are the ``/``-separated
prefixes of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import InvalidArgument, NotFound
from ..store import get_store
from ..store.entities import ArtifactInfo, RunData
from . import api, artifacts
from .validation import check_key

SCHEME = "mlflow-artifacts:"
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
_EXPECTED = "'<experiment_id>/<run_id>/artifacts[/<name>]' (relative, no '..' or backslash)"
_FILE = "a file name after '<experiment_id>/<run_id>/artifacts/'"


def artifact_uri(experiment_id: int | str, run_id: str) -> str:
    """The ``artifact_uri`` an MLflow client is given for a run."""
    return f"{SCHEME}/{experiment_id}/{run_id}/artifacts"


@dataclass(frozen=True)
class ArtifactPath:
    """A parsed proxy path: the run and the artifact name (or folder) in it; ``''`` is the root."""

    run: RunData
    name: str


def parse_path(path: str, *, argument: str = "path") -> ArtifactPath:
    """``<experiment_id>/<run_id>/artifacts[/<name>]`` of an existing run, checked like our names."""
    if not isinstance(path, str) or "\\" in path or path.startswith("/") or "\x00" in path:
        raise InvalidArgument(argument, _EXPECTED, path)
    parts = path.rstrip("/").split("/", 3)
    if len(parts) < 3 or parts[2] != "artifacts" or not parts[0].isdigit():
        raise InvalidArgument(argument, _EXPECTED, path)
    experiment_id, run_id = parts[0], parts[1]
    if not _RUN_ID.match(run_id):
        raise InvalidArgument(argument, _EXPECTED, path, hint="the run id is 32 hex digits")
    name = check_key(parts[3], argument) if len(parts) == 4 else ""
    run = api.get_run(run_id)
    if run.info.run_id != run_id or str(run.info.experiment_id) != experiment_id:
        raise NotFound(f"run {run_id!r} does not exist in experiment {experiment_id}")
    return ArtifactPath(run, name)


def upload(path: str, data: bytes) -> ArtifactInfo:
    """Store ``data`` as the artifact the path names (immutable: the same bytes again are a no-op)."""
    where = parse_path(path)
    if not where.name:
        raise InvalidArgument("path", _FILE, path)
    return artifacts.log_artifact(get_store(), where.run.info.run_id, data, where.name)[0]


def listing(path: str) -> list[dict]:
    """MLflow's ``files`` of one folder: ``{path, is_dir, file_size}``, ``path`` the base name.

    A file, or a folder no artifact is under, lists as nothing (as MLflow's own server does).
    """
    where = parse_path(path)
    prefix = f"{where.name}/" if where.name else ""
    files: dict[str, dict] = {}
    for art in where.run.artifacts:
        if not art.name.startswith(prefix):
            continue
        head, sep, _ = art.name[len(prefix) :].partition("/")
        if sep:
            files.setdefault(head, {"path": head, "is_dir": True})
        else:
            files[head] = {"path": head, "is_dir": False, "file_size": art.size}
    return [files[k] for k in sorted(files)]


def open_artifact(path: str) -> tuple[ArtifactInfo, BinaryIO]:
    """The artifact a path names and its bytes, opened for reading (the caller closes them)."""
    where = parse_path(path)
    if not where.name:
        raise InvalidArgument("path", _FILE, path)
    found = {a.name: a for a in where.run.artifacts}
    art = found.get(where.name)
    if art is None:
        if any(n.startswith(where.name + "/") for n in found):
            raise InvalidArgument("path", "a file, not a folder (list a folder with ?path=)", path)
        raise NotFound(f"run {where.run.info.run_id[:8]} has no artifact {where.name!r}")
    return art, get_store().blobs.open(art.digest)
