"""Import experiments, runs and registered models from MLflow, through MLflow's own client.

Each MLflow entity becomes an ordinary one here, marked with where it came
from so that importing again creates nothing new:

* an experiment is found by name (created when missing) and tagged
  ``mlflow.import.experiment_id``;
* a run keeps its name, user, source, start and end times and status, its
  params, every point of every metric (original steps and timestamps), its
  tags (MLflow's ``mlflow.*`` system tags too) and its artifacts (checked by
  our artifact-name rules; a refused name is skipped and reported). It is
  tagged ``mlflow.import.run_id`` last, once everything else is in, so a run
  whose import failed half-way is ended FAILED, deleted, and imported afresh
  next time. ``mlflow.parentRunId`` names the parent's id here (the MLflow id
  stays in ``mlflow.import.parent_run_id``); a child whose parent was not
  imported is skipped. A run still RUNNING in MLflow is skipped (it may yet
  log more), or with ``include_running`` imported as KILLED;
* the models a run logged (MLflow 3's logged models, kept outside the run's
  artifacts) become artifacts of the run under the model's name, and the
  registered models, versions and aliases follow (:mod:`.mlflow_models`).

MLflow is an optional extra (``pip install 'jupyter-mlops[mlflow]'``),
imported only when an import runs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, MlopsError, NotFound
from ..store import get_store
from ..tracking import api as tracking_api
from ..tracking import artifacts as run_artifacts
from ..tracking import experiments as our_experiments
from ..tracking import remote
from ..tracking.validation import check_key
from .import_report import ImportReport

RUN_TAG = "mlflow.import.run_id"
EXPERIMENT_TAG = "mlflow.import.experiment_id"
PARENT_TAG = "mlflow.import.parent_run_id"
NOTE_TAG = "mlflow.import.note"
LOGGED_MODEL_TAG = "mlflow.import.logged_model."
EXTRA = "pip install 'jupyter-mlops[mlflow]'"
_BATCH = 5000


@dataclass(frozen=True)
class Source:
    """The MLflow store read from: its client and its tracking URI (artifact downloads need it)."""

    client: Any
    tracking_uri: str


def require_mlflow() -> Any:
    """The ``mlflow`` module, or an error naming the extra that installs it."""
    try:
        import mlflow
        from mlflow import MlflowClient  # noqa: F401
    except ImportError as exc:
        raise MlopsError(
            f"importing from MLflow needs MLflow's client, which is not installed ({exc}); "
            f"install the extra: {EXTRA}"
        ) from None
    return mlflow


def check_reachable(tracking_uri: str) -> None:
    """A clear error now rather than MLflow's retries, or an empty store made from a typo."""
    if not isinstance(tracking_uri, str) or not tracking_uri.strip():
        raise InvalidArgument(
            "tracking_uri", "an MLflow tracking server URL or store", tracking_uri
        )
    expected = "a reachable MLflow tracking server or an existing MLflow store"
    if tracking_uri.startswith(("http://", "https://")):
        try:
            urllib.request.urlopen(tracking_uri.rstrip("/") + "/health", timeout=10).close()
        except urllib.error.HTTPError:
            pass  # it answered
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InvalidArgument(
                "tracking_uri", expected, tracking_uri, hint=f"cannot connect: {reason}"
            ) from None
        return
    if tracking_uri.startswith("sqlite:///"):
        path = Path(tracking_uri.removeprefix("sqlite:///"))
        if not path.is_file():
            raise InvalidArgument("tracking_uri", expected, tracking_uri, hint=f"no file {path}")
        return
    if "://" not in tracking_uri or tracking_uri.startswith("file://"):
        path = Path(tracking_uri.removeprefix("file://"))
        if not path.is_dir():
            raise InvalidArgument("tracking_uri", expected, tracking_uri, hint=f"no folder {path}")


def import_mlflow(
    tracking_uri: str,
    experiments: list[str] | None = None,
    *,
    trust: bool = False,
    include_running: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Copy ``experiments`` (all when None) and the registered models from an MLflow store.

    ``trust=True`` lets MLflow unpickle sklearn models so that they are
    re-registered here as skops versions; without it their files and
    metadata are imported as MLflow-format versions and never loaded.
    Importing again creates nothing new; the report says what was skipped and why.
    """
    require_mlflow()
    from mlflow import MlflowClient

    check_reachable(tracking_uri)
    source = Source(
        MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri), tracking_uri
    )
    report = ImportReport()
    chosen = _select_experiments(source.client, experiments)
    with _quiet_downloads():
        _import_runs(source, chosen, report, include_running, progress)
        from .mlflow_models import import_models

        import_models(source, imported_runs(), report, trust=trust, progress=progress)
    return report


@contextlib.contextmanager
def _quiet_downloads() -> Iterator[None]:
    """MLflow's own bar for each artifact download, off while ours runs."""
    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    before = os.environ.get(key)
    os.environ[key] = "false"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def _import_runs(
    source: Source, chosen: list[Any], report: ImportReport, include_running: bool, progress: bool
) -> None:
    from tqdm.auto import tqdm

    imported = imported_runs()
    runs: list[tuple[Any, int, dict[str, list[Any]]]] = []
    for exp in chosen:
        our_id = _import_experiment(exp, report)
        if our_id is None:
            continue
        logged = _logged_models(source.client, exp.experiment_id)
        runs += [(r, our_id, logged) for r in _source_runs(source.client, exp.experiment_id)]
    for run, our_id, logged in tqdm(runs, desc="MLflow runs", unit="run", disable=not progress):
        models = logged.get(run.info.run_id, [])
        _import_run(source, run, our_id, imported, models, report, include_running)


def all_pages(fetch: Any, **kwargs: Any) -> list[Any]:
    """Every item of an MLflow search, following its page tokens."""
    out, token = [], None
    while True:
        page = fetch(page_token=token, **kwargs)
        out += list(page)
        token = getattr(page, "token", None)
        if not token:
            return out


def _select_experiments(client: Any, names: list[str] | None) -> list[Any]:
    from mlflow.exceptions import MlflowException

    try:
        every = all_pages(client.search_experiments, max_results=1000)
    except MlflowException as exc:
        raise InvalidArgument(
            "tracking_uri", "an MLflow tracking server or store MLflow can read", hint=str(exc)
        ) from None
    if not names:
        return every
    by_name = {e.name: e for e in every}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise NotFound(
            f"experiment {missing[0]!r} is not in the MLflow store (it has: "
            + (", ".join(sorted(by_name)) or "none")
            + ")"
        )
    return [by_name[n] for n in dict.fromkeys(names)]


def imported_runs() -> dict[str, str]:
    """MLflow run id -> run id here, for every run an earlier import finished (deleted ones too)."""
    frame = tracking_api.search_runs(
        filter=f"tags.`{RUN_TAG}` LIKE '%'", children=True, deleted=True
    )
    column = f"tags.{RUN_TAG}"
    if frame.empty or column not in frame:
        return {}
    return dict(zip(frame[column], frame["run_id"], strict=True))


def _valid(key: str) -> bool:
    try:
        check_key(key)
    except InvalidArgument:
        return False
    return True


def _import_experiment(exp: Any, report: ImportReport) -> int | None:
    """Our experiment of the same name (created when missing), or None when it is deleted here."""
    tags = {k: v for k, v in (exp.tags or {}).items() if _valid(k)}
    tags[EXPERIMENT_TAG] = exp.experiment_id
    try:
        ours = our_experiments.get_experiment(name=exp.name)
    except NotFound:
        ours = our_experiments.create_experiment(exp.name, tags)
        report.add("experiments")
        return ours.experiment_id
    if ours.lifecycle != "active":
        report.skip("experiment", exp.name, "deleted here; restore it to import its runs")
        return None
    if EXPERIMENT_TAG not in ours.tags:
        our_experiments.set_experiment_tags(ours.experiment_id, tags)
    return ours.experiment_id


def _source_runs(client: Any, experiment_id: str) -> list[Any]:
    """Every active run of the experiment, each parent before its children."""
    runs = all_pages(client.search_runs, experiment_ids=[experiment_id], max_results=1000)
    ids = {r.info.run_id for r in runs}
    ordered: list[Any] = []
    placed: set[str] = set()
    pending = sorted(runs, key=lambda r: (r.info.start_time or 0, r.info.run_id))
    while pending:
        rest = []
        for r in pending:
            parent = r.data.tags.get("mlflow.parentRunId")
            if parent is None or parent not in ids or parent in placed:
                ordered.append(r)
                placed.add(r.info.run_id)
            else:
                rest.append(r)
        if len(rest) == len(pending):  # a cycle cannot happen in MLflow; keep them anyway
            ordered += rest
            break
        pending = rest
    return ordered


def _logged_models(client: Any, experiment_id: str) -> dict[str, list[Any]]:
    """MLflow 3's logged models of an experiment by the run that logged them ({} before MLflow 3)."""
    try:
        models = all_pages(client.search_logged_models, experiment_ids=[experiment_id])
    except Exception:  # an MLflow 2 server has no logged models: their files are run artifacts
        return {}
    found: dict[str, list[Any]] = {}
    for m in models:
        if m.source_run_id:
            found.setdefault(m.source_run_id, []).append(m)
    return found


def _label(run: Any) -> str:
    return f"{run.info.run_name or 'run'} ({run.info.run_id[:8]})"


def _import_run(
    source: Source,
    run: Any,
    experiment_id: int,
    imported: dict[str, str],
    logged: list[Any],
    report: ImportReport,
    include_running: bool,
) -> None:
    mlflow_id, label = run.info.run_id, _label(run)
    if mlflow_id in imported:
        report.skip("run", label, f"already imported as {imported[mlflow_id][:8]}")
        return
    status, tags = run.info.status, _run_tags(run, report)
    if status not in ("FINISHED", "FAILED", "KILLED"):
        if not include_running:
            report.skip(
                "run",
                label,
                f"{status} in MLflow; import it once it has ended "
                "(or pass --include-running to import it as KILLED)",
            )
            return
        tags[NOTE_TAG] = f"was {status} in MLflow when imported; imported as KILLED"
        status = "KILLED"
    parent = run.data.tags.get("mlflow.parentRunId")
    if parent is not None:
        if parent not in imported:
            report.skip("run", label, f"its parent run {parent[:8]} was not imported")
            return
        tags["mlflow.parentRunId"], tags[PARENT_TAG] = imported[parent], parent
    info = remote.create_run(
        experiment_id,
        name=(run.info.run_name or "")[:250] or None,
        user=run.info.user_id or None,
        start_time=(run.info.start_time or 0) / 1000,
        tags=tags,
    )["info"]
    our_id = info.run_id
    try:
        last = _copy_contents(source, run, our_id, logged, report)
        end = run.info.end_time or last or run.info.start_time
        remote.update_run(our_id, status=status, end_time=(end or 0) / 1000)
        remote.log_batch(our_id, tags={RUN_TAG: mlflow_id})
    except BaseException:
        _abandon(our_id)
        raise
    imported[mlflow_id] = our_id
    report.runs[mlflow_id] = our_id
    report.add("runs")


def _abandon(run_id: str) -> None:
    """A run whose import failed: ended FAILED and deleted, so the next import starts afresh."""
    try:
        remote.update_run(run_id, status="FAILED")
        tracking_api.delete_run(run_id, reason="import from MLflow failed")
    except Exception:
        pass


def _run_tags(run: Any, report: ImportReport) -> dict[str, str]:
    tags = {}
    for key, value in run.data.tags.items():
        if _valid(key):
            tags[key] = value
        else:
            report.skip("tag", f"{key!r} of {_label(run)}", "not a valid tag name here")
    return tags


def _copy_contents(
    source: Source, run: Any, run_id: str, logged: list[Any], report: ImportReport
) -> int | None:
    """Params, metric histories, artifacts and logged models; the last metric time (ms)."""
    params = {k: v for k, v in run.data.params.items() if _valid(k)}
    for key in run.data.params.keys() - params.keys():
        report.skip("param", f"{key!r} of {_label(run)}", "not a valid param name here")
    if params:
        remote.log_batch(run_id, params=params)
        report.add("params", len(params))
    last = None
    for key in sorted(run.data.metrics):
        if not _valid(key):
            report.skip("metric", f"{key!r} of {_label(run)}", "not a valid metric name here")
            continue
        history = source.client.get_metric_history(run.info.run_id, key)
        points = [(key, float(m.value), m.timestamp / 1000, int(m.step)) for m in history]
        for i in range(0, len(points), _BATCH):
            remote.log_batch(run_id, metrics=points[i : i + _BATCH])
        report.add("metric_points", len(points))
        if history:
            last = max([last or 0, *(m.timestamp for m in history)])
    if source.client.list_artifacts(run.info.run_id):
        with tempfile.TemporaryDirectory(prefix="mlops-mlflow-import-") as tmp:
            root = Path(source.client.download_artifacts(run.info.run_id, "", tmp))
            _store_files(root, "", run_id, f"artifact of {_label(run)}", report)
    for model in logged:
        _copy_logged_model(source, model, run, run_id, report)
    return last


def _store_files(root: Path, prefix: str, run_id: str, whose: str, report: ImportReport) -> int:
    """Each file under ``root`` as artifact ``prefix + relative name``; refused names reported."""
    stored = 0
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        name = prefix + file.relative_to(root).as_posix()
        if not _valid(name):
            report.skip("artifact", f"{name!r} ({whose})", "not a valid artifact name here")
            continue
        run_artifacts.log_artifact(get_store(), run_id, file, name)
        stored += 1
    report.add("artifacts", stored)
    return stored


def _copy_logged_model(
    source: Source, model: Any, run: Any, run_id: str, report: ImportReport
) -> None:
    """A model the run logged (MLflow 3 keeps it apart) as artifacts ``<name>/...`` of the run."""
    import mlflow.artifacts

    taken = {a.name.split("/", 1)[0] for a in tracking_api.list_artifacts(run_id)}
    folder = model.name if _valid(model.name or "") and model.name not in taken else model.model_id
    if not _valid(folder):
        report.skip("logged model", f"{model.model_id} of {_label(run)}", "not a valid name here")
        return
    with tempfile.TemporaryDirectory(prefix="mlops-mlflow-model-") as tmp:
        root = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=model.artifact_location, dst_path=tmp, tracking_uri=source.tracking_uri
            )
        )
        _store_files(root, folder + "/", run_id, f"model {model.name} of {_label(run)}", report)
    remote.log_batch(run_id, tags={LOGGED_MODEL_TAG + model.model_id: folder})
