"""Model versions in MLflow's format, and the registry operations MLflow's API needs.

An MLflow model is a folder of a run's artifacts (``MLmodel`` plus flavor
files, e.g. a cloudpickle of the estimator). Registering one records a version
whose ``format`` is ``mlflow`` and whose ``source`` is ``runs:/<run_id>/<folder>``;
the version's blob is a manifest (``{"folder": ..., "files": {name: sha256}}``)
so the version keeps naming the exact bytes it was registered with. The files
themselves stay the run's artifacts, downloaded through the artifact proxy.

Loading such a version runs a pickle, so :func:`load` refuses unless
``trusted=True``.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, NotFound
from ..store import get_store, model_changes
from ..store import models as model_store
from ..store.models import ModelVersionInfo
from ..tracking import api as tracking_api
from ..tracking.mlflow_artifacts import artifact_uri, parse_path
from ..tracking.validation import check_key
from . import changes
from .serialize import UntrustedModel
from .uri import check_model_name, check_version

FORMAT = "mlflow"
_RUNS = re.compile(r"^runs:/([0-9a-f]{32})/(.+)$")


@dataclass(frozen=True)
class Source:
    """Where an MLflow model lives: a run and the artifact folder holding ``MLmodel``."""

    run_id: str
    folder: str


def parse_source(source: str, run_id: str | None = None) -> Source:
    """``mlflow-artifacts:/<exp>/<run>/artifacts/<folder>`` or ``runs:/<run>/<folder>``."""
    if not isinstance(source, str):
        raise InvalidArgument("source", "a model source URI", source)
    if source.startswith("mlflow-artifacts:/"):
        where = parse_path(source.removeprefix("mlflow-artifacts:/"), argument="source")
        found = Source(where.run.info.run_id, where.name)
    elif match := _RUNS.match(source):
        found = Source(match.group(1), check_key(match.group(2).strip("/"), "source"))
    else:
        raise InvalidArgument(
            "source",
            "runs:/<run_id>/<folder> or mlflow-artifacts:/<experiment_id>/<run_id>/artifacts/<folder>",
            source,
        )
    if not found.folder:
        raise InvalidArgument("source", "a folder of the run's artifacts holding MLmodel", source)
    if run_id and run_id != found.run_id:
        raise InvalidArgument("run_id", f"the run of the source ({found.run_id})", run_id)
    return found


def _flavor(mlmodel: bytes) -> str:
    import yaml

    try:
        flavors = (yaml.safe_load(mlmodel) or {}).get("flavors") or {}
    except (yaml.YAMLError, AttributeError):
        raise InvalidArgument("source", "a folder whose MLmodel file is valid YAML") from None
    named = [f for f in flavors if f != "python_function"]
    return f"mlflow.{named[0] if named else 'pyfunc'}"


def register(
    name: str, source: str, run_id: str | None, description: str | None
) -> ModelVersionInfo:
    """Version N+1 of ``name`` from an MLflow model folder of a run (the model is made if new)."""
    from .lineage import input_snapshots

    check_model_name(name)
    where = parse_source(source, run_id)
    run = tracking_api.get_run(where.run_id)
    prefix = where.folder + "/"
    files = {a.name[len(prefix) :]: a.digest for a in run.artifacts if a.name.startswith(prefix)}
    if "MLmodel" not in files:
        raise NotFound(
            f"run {where.run_id[:8]} has no MLflow model at {where.folder!r} (no MLmodel file)"
        )
    store = get_store()
    manifest = json.dumps({"folder": where.folder, "files": files}, sort_keys=True).encode()
    ref = store.blobs.put_bytes(manifest)
    mlmodel = store.blobs.get_bytes(files["MLmodel"])
    info = model_store.create_version(
        store,
        name,
        run_id=where.run_id,
        source=f"runs:/{where.run_id}/{where.folder}",
        digest=ref.digest,
        size=ref.size,
        format=FORMAT,
        model_class=_flavor(mlmodel),
        signature={},
        input_snapshots=[s["id"] for s in input_snapshots(where.run_id)],
        description=description,
    )
    return changes.registered(info)


def download_uri(info: ModelVersionInfo) -> str:
    """Where MLflow's client downloads a version from: the run's artifact (folder) by the proxy."""
    match = _RUNS.match(info.source)
    if match is None:
        raise NotFound(
            f"{info.ref} was registered from a model object, not a run's artifact; "
            "load it with mlops.load_model"
        )
    run = tracking_api.get_run(match.group(1))
    return f"{artifact_uri(run.info.experiment_id, run.info.run_id)}/{match.group(2)}"


def create_model(name: str, description: str | None = None) -> None:
    model_changes.create_model(get_store(), check_model_name(name), description)


def delete_model(name: str) -> None:
    model_changes.delete_model(get_store(), check_model_name(name))


def delete_version(name: str, version: int) -> list[str]:
    return model_changes.delete_version(get_store(), check_model_name(name), check_version(version))


def set_model_description(name: str, description: str | None) -> None:
    model_store.set_description(get_store(), check_model_name(name), description)


def set_version_description(name: str, version: int, description: str | None) -> None:
    model_changes.set_version_description(
        get_store(), check_model_name(name), check_version(version), description
    )


def load(info: ModelVersionInfo, trusted: Any = False) -> Any:
    """The pyfunc model of an MLflow-format version; only with ``trusted=True`` (it unpickles)."""
    if trusted is not True:
        raise UntrustedModel(
            f"{info.ref} is an MLflow model ({info.model_class}): loading it unpickles its "
            "files, which runs arbitrary code; pass trusted=True only if you trust whoever "
            "logged it"
        )
    try:
        import mlflow.pyfunc
    except ImportError:
        raise InvalidArgument(
            "model", "mlflow installed to load an MLflow-format version", info.ref
        ) from None
    store = get_store()
    manifest = json.loads(store.blobs.get_bytes(info.digest))
    folder = Path(tempfile.mkdtemp(prefix="mlops-mlflow-"))
    for rel, digest in manifest["files"].items():
        store.blobs.get_file(digest, folder / check_key(rel, "file"))
    return mlflow.pyfunc.load_model(str(folder))
