"""Registering, finding and loading model versions."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from ..errors import InvalidArgument, NotFound
from ..store import get_store
from ..store import models as model_store
from ..store import runs as run_store
from ..store.models import ModelInfo, ModelVersionInfo
from . import changes, serialize
from .lineage import input_snapshots
from .signature import infer_signature
from .uri import check_model_name, parse_ref


def _resolve_run(run: Any) -> str | None:
    """A run id from a Run, an id (or unique prefix), or the active run when None."""
    from ..tracking.run import Run, active_run

    if run is None:
        current = active_run()
        if current is None or current.ended:
            return None
        run = current
    if isinstance(run, Run):
        run.flush()
        return run.id
    if not isinstance(run, str):
        raise InvalidArgument("run", "a Run or a run id", type(run).__name__)
    return run_store.get_run_info(get_store(), run).run_id


def _pick_artifact(run_id: str, artifact: str | None) -> str:
    arts = run_store.list_artifacts(get_store(), run_id)
    if artifact is not None:
        if not any(a.name == artifact for a in arts):
            names = ", ".join(a.name for a in arts) or "none"
            raise NotFound(f"run {run_id[:8]} has no artifact {artifact!r} (artifacts: {names})")
        return artifact
    models = [a.name for a in arts if serialize.format_from_name(a.name)]
    if len(models) != 1:
        raise InvalidArgument(
            "artifact",
            "the name of the run's model artifact",
            None,
            hint=f"run {run_id[:8]} has {len(models)} model-like artifacts: "
            + (", ".join(models) or "none"),
        )
    return models[0]


def register_model(
    name: str,
    model: Any = None,
    run: Any = None,
    artifact: str | None = None,
    description: str | None = None,
    *,
    input_example: Any = None,
    format: str | None = None,
    trusted: serialize.Trust = False,
) -> ModelVersionInfo:
    """Make version N+1 of ``name`` from a fitted ``model`` or from a run's ``artifact``.

    The version records the run (the active one when ``run`` is None), that
    run's input snapshots and the model's signature (from ``input_example`` when
    given, else from the columns the model was fitted on). scikit-learn models
    are stored with skops; joblib and pickle need ``trusted=True``, and a skops
    dump holding functions or types beyond the allow-list needs them named
    (``trusted=["numpy.log1p"]``) or ``trusted=True``.
    """
    check_model_name(name)
    if description is not None and not isinstance(description, str):
        raise InvalidArgument("description", "a string", type(description).__name__)
    if model is not None and artifact is not None:
        raise InvalidArgument("artifact", "either model= or artifact=, not both", artifact)
    run_id = _resolve_run(run)
    store = get_store()
    if model is not None:
        data, fmt = serialize.dump(model, format, trusted=trusted)
        obj, source = model, "object"
    else:
        data, fmt, obj, source = _from_artifact(store, run_id, artifact, format, trusted)
    snapshots = [s["id"] for s in input_snapshots(run_id)] if run_id else []
    record = dict(
        run_id=run_id,
        source=source,
        format=fmt,
        model_class=serialize.class_path(obj),
        signature=infer_signature(obj, input_example).to_dict(),
        input_snapshots=snapshots,
        description=description,
    )
    if changes.dry_run():
        return changes.would_register(name, data, **record)
    ref = store.blobs.put_bytes(data)
    info = model_store.create_version(store, name, digest=ref.digest, size=ref.size, **record)
    return changes.registered(info)


def _from_artifact(
    store: Any, run_id: str | None, artifact: str | None, format: str | None, trusted: Any
) -> tuple[bytes, str, Any, str]:
    """(bytes, format, model, source) of a model a run logged as an artifact."""
    if run_id is None:
        raise InvalidArgument(
            "model", "a fitted model, or run= (and artifact=) naming a run's model artifact"
        )
    artifact = _pick_artifact(run_id, artifact)
    fmt = format or serialize.format_from_name(artifact)
    if fmt is None:
        raise InvalidArgument(
            "format",
            "one of " + ", ".join(serialize.FORMATS),
            None,
            hint=f"cannot tell the format of {artifact!r} from its name",
        )
    data = store.blobs.get_bytes(run_store.get_artifact(store, run_id, artifact).digest)
    obj = serialize.load(data, fmt, trusted=trusted)
    serialize.check_is_model(obj)
    return data, fmt, obj, f"runs:/{run_id}/{PurePosixPath(artifact)}"


def get_model_version(ref: str) -> ModelVersionInfo:
    """The version ``name@alias``, ``name/3`` or ``name@latest`` points at."""
    parsed = parse_ref(ref)
    return model_store.get_version(
        get_store(), parsed.name, version=parsed.version, alias=parsed.alias
    )


def load_model(ref: str, *, trusted: serialize.Trust = False) -> Any:
    """The model object of ``name@alias``, ``name/3`` or ``name@latest``.

    joblib/pickle and MLflow-format versions are refused unless ``trusted=True``; skops dumps
    holding functions or types beyond the allow-list unless each is named in
    ``trusted=[...]`` (or ``trusted=True``).
    """
    info = get_model_version(ref)
    if info.format == "mlflow":  # a version registered through MLflow's API
        from . import mlflow_format

        return mlflow_format.load(info, trusted)
    data = get_store().blobs.get_bytes(info.digest)
    return serialize.load(data, info.format, trusted=trusted)


def list_models() -> pd.DataFrame:
    """One row per model: name, latest_version, aliases, description, created/updated times."""
    rows = model_store.list_models(get_store())
    frame = pd.DataFrame(
        {
            "name": [m.name for m in rows],
            "latest_version": pd.array([m.latest_version for m in rows], dtype="Int64"),
            "aliases": [", ".join(f"{a}={v}" for a, v in m.aliases.items()) for m in rows],
            "description": [m.description for m in rows],
            "created_at": pd.to_datetime([m.created_at for m in rows], unit="s", utc=True),
            "updated_at": pd.to_datetime([m.updated_at for m in rows], unit="s", utc=True),
        }
    )
    return frame


def get_model(name: str) -> ModelInfo:
    return model_store.get_model(get_store(), check_model_name(name))


def list_versions(name: str) -> list[ModelVersionInfo]:
    """Every version of a model, oldest first, with the aliases that point at each."""
    return model_store.list_versions(get_store(), check_model_name(name))
