"""Registered models, their versions and aliases, imported from MLflow (see ``mlflow_import``).

A version is imported when its run was (now or by an earlier import) and its
MLflow model folder is among that run's artifacts here. An MLflow sklearn
model is re-registered through ``register_model`` (a skops version, loadable
safely from then on) only when it can be loaded safely: a skops file whose
types are on our allow-list; a pickle or cloudpickle file (or skops holding
other types) only with ``trust=True``. Otherwise (and for other flavors) the
version is registered in MLflow's format: its files and metadata, never
loaded here unless someone passes ``trusted=True`` to ``load_model``. The run is tagged
``mlflow.import.model.<name>.<version>`` with the version made here, so
importing again adds none. Aliases follow with the reason "imported from
MLflow"; an alias that already points at another version here is left alone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import InvalidArgument, MlopsError, NotFound
from ..registry import serialize
from ..tracking import api as tracking_api
from ..tracking import remote
from .import_report import ImportReport
from .mlflow_import import LOGGED_MODEL_TAG, all_pages

if TYPE_CHECKING:
    from .mlflow_import import Source

VERSION_TAG = "mlflow.import.model."
REASON = "imported from MLflow"
_RUNS_SOURCE = re.compile(r"^runs:/([0-9a-f]{32})/(.+)$")


def import_models(
    source: Source, imported: dict[str, str], report: ImportReport, *, trust: bool, progress: bool
) -> None:
    """Every registered model with a version whose run is imported, its versions and aliases."""
    from tqdm.auto import tqdm

    from ..registry.uri import check_model_name

    client = source.client
    models = all_pages(client.search_registered_models, max_results=100)
    for rm in tqdm(models, desc="MLflow models", unit="model", disable=not progress):
        try:
            check_model_name(rm.name)
        except InvalidArgument:
            report.skip("registered model", rm.name, "not a valid model name here")
            continue
        escaped = rm.name.replace("'", "\\'")
        versions = all_pages(client.search_model_versions, filter_string=f"name = '{escaped}'")
        mapping: dict[int, int] = {}
        for mv in sorted(versions, key=lambda v: int(v.version)):
            ours = _import_version(mv, imported, report, trust)
            if ours is not None:
                mapping[int(mv.version)] = ours
        if mapping:
            _describe(rm.name, client.get_registered_model(rm.name), mapping, report)


def _folder(mv: Any, run: Any) -> str | None:
    """The artifact folder here holding the version's MLmodel, or None."""
    source = mv.source or ""
    folder = None
    if source.startswith("models:/"):
        folder = run.tags.get(LOGGED_MODEL_TAG + source.removeprefix("models:/").strip("/"))
    elif match := _RUNS_SOURCE.match(source):
        folder = match.group(2).strip("/")
    elif f"{mv.run_id}/artifacts/" in source:
        folder = source.split(f"{mv.run_id}/artifacts/", 1)[1].strip("/")
    names = {a.name for a in run.artifacts}
    return folder if folder and f"{folder}/MLmodel" in names else None


def _import_version(
    mv: Any, imported: dict[str, str], report: ImportReport, trust: bool
) -> int | None:
    """The version number here of MLflow's ``mv`` (imported now or before), or None if skipped."""
    what = f"{mv.name}/{mv.version}"
    run_id = imported.get(mv.run_id or "")
    if run_id is None:
        reason = "it has no run" if not mv.run_id else f"its run {mv.run_id[:8]} was not imported"
        report.skip("model version", what, reason)
        return None
    run = tracking_api.get_run(run_id)
    tag = f"{VERSION_TAG}{mv.name}.{mv.version}"
    if tag in run.tags:
        report.skip("model version", what, f"already imported as {mv.name}/{run.tags[tag]}")
        return int(run.tags[tag])
    folder = _folder(mv, run)
    if folder is None:
        report.skip(
            "model version", what, f"its source {mv.source} is not among the run's artifacts"
        )
        return None
    flavors = _flavors(run_id, folder)
    model, why = _loadable(run_id, folder, flavors, trust)
    if model is not None:
        from ..registry.models import register_model

        version = register_model(
            mv.name, model=model, run=run_id, description=mv.description, trusted=trust
        ).version
    else:
        from ..registry import mlflow_format

        version = mlflow_format.register(
            mv.name, f"runs:/{run_id}/{folder}", run_id, mv.description
        ).version
        kept = f"its files and metadata are {mv.name}/{version} in MLflow's format"
        report.skip("loadable model", what, f"{why}; {kept} (loading needs trusted=True)")
    remote.log_batch(run_id, tags={tag: str(version)})
    report.add("model_versions")
    return version


def _flavors(run_id: str, folder: str) -> dict[str, Any]:
    """The flavors of the model's MLmodel file (``python_function`` left out)."""
    try:
        meta = yaml.safe_load(tracking_api.load_artifact(run_id, f"{folder}/MLmodel")) or {}
        flavors = meta.get("flavors") or {}
        return {k: v or {} for k, v in flavors.items() if k != "python_function"}
    except (yaml.YAMLError, AttributeError):
        return {}


def _loadable(run_id: str, folder: str, flavors: dict[str, Any], trust: bool) -> tuple[Any, str]:
    """(the sklearn model, "") when it can be loaded safely, else (None, why not).

    A skops file loads when its types are on our allow-list (or with
    ``trust``); a pickle or cloudpickle file only with ``trust``.
    """
    conf = flavors.get("sklearn")
    if not isinstance(conf, dict):
        named = ", ".join(flavors) or "none"
        return None, f"only sklearn models are re-registered (flavors: {named})"
    fmt = conf.get("serialization_format", "cloudpickle")
    name = conf.get("pickled_model") or ("model.skops" if fmt == "skops" else "model.pkl")
    if fmt != "skops" and not trust:
        return (
            None,
            f"an MLflow sklearn model in {fmt} format is a pickle, not loaded without --trust",
        )
    try:
        data = tracking_api.load_artifact(run_id, f"{folder}/{name}")
        fmt_here = "skops" if fmt == "skops" else "pickle"
        return serialize.load(data, fmt_here, trusted=trust), ""
    except serialize.UntrustedModel as exc:
        return None, f"{exc} (pass --trust to load it anyway)"
    except NotFound:
        return None, f"its model file {name} is missing"


def _describe(name: str, rm: Any, mapping: dict[int, int], report: ImportReport) -> None:
    """The model's description (when it has none here) and its aliases."""
    from ..registry import aliases as alias_api
    from ..registry import mlflow_format
    from ..registry.models import get_model

    ours = get_model(name)
    if rm.description and not ours.description:
        mlflow_format.set_model_description(name, rm.description)
    for alias, version in sorted((rm.aliases or {}).items()):
        what = f"{name}@{alias}"
        target = mapping.get(int(version))
        if target is None:
            report.skip("alias", what, f"version {version} was not imported")
        elif ours.aliases.get(alias) == target:
            report.skip("alias", what, f"already points at {name}/{target}")
        elif alias in ours.aliases:
            here = ours.aliases[alias]
            report.skip("alias", what, f"points at {name}/{here} here (left as it is)")
        else:
            try:
                alias_api.set_alias(name, alias, target, reason=REASON)
            except (InvalidArgument, NotFound, MlopsError) as exc:
                report.skip("alias", what, str(exc))
                continue
            report.add("aliases")
