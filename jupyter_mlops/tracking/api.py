"""The tracking API re-exported from ``jupyter_mlops``."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config
from ..errors import InvalidArgument
from ..store import Store, gc, get_store, lifecycle
from ..store import runs as run_store
from ..store.entities import ArtifactInfo, ExperimentInfo, RunData, RunStatus
from ..store.identity import current_host
from ..store.info import StoreInfo
from ..store.info import describe as describe_store
from . import attach, capture
from .run import Run, active_run, require_active_run, track
from .search import count_runs as _count_runs
from .search import experiment_summaries as _experiment_summaries
from .search import search_runs as _search_runs
from .validation import check_key, param_to_text, tag_to_text

_AUTO = object()


def _capture_context(store: Store) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    """(source_type, source_path, git row fields, context) for a new run; never raises."""
    context: dict[str, Any] = {"cwd": os.getcwd()}
    git_row: dict[str, Any] = {}
    try:
        source_type, source_path = capture.capture_source()
    except Exception as exc:
        source_type, source_path = "unknown", None
        context["capture_errors"] = [f"source: {exc}"]
    try:
        env = capture.capture_environment()
        ref = store.blobs.put_bytes(capture.environment_json(env))
        context["environment"] = ref.digest
        context["python"] = env["python"]
        context["platform"] = env["platform"]
    except Exception as exc:
        context.setdefault("capture_errors", []).append(f"environment: {exc}")
    try:
        git = capture.capture_git()
        if git is not None:
            git_row = git.as_row()
            info: dict[str, Any] = {"root": git.root, "untracked": git.untracked}
            if git.diff:
                info["diff"] = store.blobs.put_bytes(git.diff).digest
                info["diff_truncated"] = git.diff_truncated
            context["git"] = info
    except Exception as exc:
        context.setdefault("capture_errors", []).append(f"git: {exc}")
    return source_type, source_path, git_row, context


def start_run(
    name: str | None = None,
    experiment: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    *,
    parent: Run | str | None = _AUTO,  # type: ignore[assignment]
    capture_context: bool = True,
    context: Mapping[str, Any] | None = None,
    source: tuple[str, str | None] | None = None,
) -> Run:
    """Open a run and make it the active one; use it as a context manager to end it.

    Inside another open run the new run becomes its child unless ``parent=None``;
    a child run is in its parent's experiment unless ``experiment`` is given.
    """
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 250):
        raise InvalidArgument("name", "a non-empty run name of at most 250 characters", name)
    exp = experiment if experiment is not None else config.default_experiment()
    exp = check_key(exp, "experiment")
    checked_params = {
        check_key(k, "param key"): param_to_text(k, v) for k, v in (params or {}).items()
    }
    checked_tags = {check_key(k, "tag key"): tag_to_text(k, v) for k, v in (tags or {}).items()}
    if parent is _AUTO and attach.attached_run_id():
        claimed = attach.claim(checked_params, checked_tags)
        if claimed is not None:  # the first run a pipeline notebook opens is the pipeline run
            return claimed
        if active_run() is None:  # later ones are its children
            parent = attach.attached_run_id()
    if parent is _AUTO:
        current = active_run()
        parent = current if current is not None and not current.ended else None
    store = get_store()
    parent_id, parent_experiment = _parent_of(store, parent)
    if experiment is None and parent_experiment is not None:
        exp = parent_experiment  # a child run stays in its parent's experiment
    if capture_context:
        source_type, source_path, git_row, ctx = _capture_context(store)
    else:
        source_type, source_path, git_row, ctx = "unknown", None, {}, {}
    if source is not None:  # (type, path) known better than capture can tell (pipelines)
        source_type, source_path = source
    if context:
        ctx.update(context)
    info = run_store.create_run(
        store,
        experiment=exp,
        name=name,
        parent_run_id=parent_id,
        source_type=source_type,
        source_path=source_path,
        git=git_row,
        context=ctx,
        params=checked_params,
        tags=checked_tags,
    )
    run = Run(store, info)
    track(run)
    return run


def _parent_of(store: Store, parent: Run | str | None) -> tuple[str | None, str | None]:
    """(full id, experiment) of the run a new run nests under (a unique id prefix works)."""
    if parent is None:
        return None, None
    if isinstance(parent, Run):
        return parent.id, parent.experiment
    info = run_store.get_run_info(store, parent)
    return info.run_id, info.experiment


def end_run(status: str | RunStatus = RunStatus.FINISHED, error: str | None = None) -> None:
    """End the active run (FINISHED by default)."""
    require_active_run().end(status, error=error)


def log_param(key: str, value: Any) -> None:
    require_active_run().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    require_active_run().log_params(params)


def log_metric(key: str, value: float, step: int | None = None) -> None:
    require_active_run().log_metric(key, value, step)


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    require_active_run().log_metrics(metrics, step)


def log_artifact(
    path_or_bytes: str | os.PathLike | bytes, name: str | None = None
) -> list[ArtifactInfo]:
    return require_active_run().log_artifact(path_or_bytes, name)


def set_tag(key: str, value: Any, *, run_id: str | None = None) -> None:
    """Tag the active run, or with ``run_id`` any run (see ``set_run_tags``)."""
    set_tags({key: value}, run_id=run_id)


def set_tags(tags: Mapping[str, Any], *, run_id: str | None = None) -> None:
    """Tag the active run, or with ``run_id`` any run (see ``set_run_tags``)."""
    if run_id is None:
        require_active_run().set_tags(tags)
    else:
        set_run_tags(run_id, tags)


def set_run_tags(run_id: str, tags: Mapping[str, Any]) -> dict[str, str]:
    """Set tags on any run by id or unique prefix, a finished one too; returns all its tags.

    For review notes and labels added after the fact (the side panel, a
    pipeline marking the run it verifies). Existing keys are overwritten.
    """
    if not isinstance(tags, Mapping) or not tags:
        raise InvalidArgument("tags", "a non-empty mapping of tag names to values", tags)
    checked = {check_key(k, "tag key"): tag_to_text(k, v) for k, v in tags.items()}
    store = get_store()
    full_id = run_store.get_run_info(store, run_id).run_id
    run_store.set_tags(store, full_id, checked)
    return get_run(full_id).tags


def store_info() -> StoreInfo:
    """The store in use: backend, tracking URI and blob root (passwords masked), read-only."""
    return describe_store(get_store())


def _flush_if_live(run_id: str) -> None:
    from .run import live_runs

    for run in live_runs():
        if run.id == run_id or run.id.startswith(run_id):
            run.flush()


def get_run(run_id: str) -> RunData:
    """A run with its params, latest metrics, tags and artifacts (a unique id prefix works)."""
    _flush_if_live(run_id)
    return run_store.get_run_data(get_store(), run_id)


def get_metric_history(run_id: str, key: str) -> pd.DataFrame:
    """Every point of one metric: columns step, timestamp (UTC), value."""
    _flush_if_live(run_id)
    points = run_store.metric_history(get_store(), run_id, key)
    frame = pd.DataFrame(
        {
            "step": [p.step for p in points],
            "timestamp": [p.timestamp for p in points],
            "value": [p.value for p in points],
        }
    )
    frame["step"] = frame["step"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"].astype("float64"), unit="s", utc=True)
    return frame


def search_runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | Mapping[str, Any] | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    *,
    children: bool = False,
    deleted: bool = False,
) -> pd.DataFrame:
    """One row per run with a ``run_id`` column; see ``tracking.search`` for the filter syntax.

    Top-level runs by default, each with its number of ``child_runs``;
    ``children=True`` lists child runs too. Deleted runs only with ``deleted=True``.

    Columns: ``run_id``, ``name``, ``experiment``, ``status``, ``start_time`` and
    ``end_time`` (UTC datetimes), ``user``, ``source_type``, ``source_path``,
    ``git_commit``, ``parent_run_id``, ``child_runs``, ``lifecycle``, ``error``; then
    ``params.<key>`` (text), ``metrics.<key>`` (latest value, float) and
    ``tags.<key>`` for every key a listed run has (docs/tracking.md says what each holds).
    """
    for run in list(_live_runs()):
        try:
            run.flush()
        except Exception as exc:  # a search must not fail because a buffer could not be written
            warnings.warn(
                f"run {run.id[:8]}: could not flush metrics before searching: {exc}", stacklevel=2
            )
    return _search_runs(
        get_store(),
        experiment,
        filter,
        order_by,
        limit,
        offset,
        children=children,
        deleted=deleted,
    )


def count_runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | Mapping[str, Any] | None = None,
    *,
    children: bool = False,
    deleted: bool = False,
) -> int:
    """The number of runs matching, for paging through ``search_runs(limit=, offset=)``."""
    return _count_runs(get_store(), experiment, filter, children=children, deleted=deleted)


def _run_refs(run_ids: str | Sequence[str]) -> list[str]:
    refs = [run_ids] if isinstance(run_ids, str) else list(run_ids)
    if not refs or not all(isinstance(r, str) for r in refs):
        raise InvalidArgument("run_id", "a run id (or unique prefix), or a list of them", run_ids)
    return refs


def delete_run(run_id: str | Sequence[str], reason: str | None = None) -> list[str]:
    """Delete runs (and their child runs): hidden from searches, restorable until ``gc``.

    Returns the ids deleted. A RUNNING run cannot be deleted; end it first.
    """
    return lifecycle.set_lifecycle(get_store(), _run_refs(run_id), deleted=True, reason=reason)


def restore_run(run_id: str | Sequence[str], reason: str | None = None) -> list[str]:
    """Undo ``delete_run`` for runs (and their child runs) that ``gc`` has not removed yet."""
    return lifecycle.set_lifecycle(get_store(), _run_refs(run_id), deleted=False, reason=reason)


def collect_garbage(
    older_than: float = 0.0, grace: float = 3600.0, dry_run: bool = False
) -> gc.GcReport:
    """Remove deleted runs for good, then blobs no snapshot, model or run references.

    Only runs deleted at least ``older_than`` seconds ago go; a blob written in
    the last ``grace`` seconds stays (a run may be about to reference it).
    """
    return gc.collect_garbage(get_store(), older_than=older_than, grace=grace, dry_run=dry_run)


_PROCESS_SEEN_AT = time.time()


def last_run() -> RunData | None:
    """The run this process most recently started or ended (the one the last cell made).

    After a cell with a ``%%mlops run`` or a grid search under autolog that is
    the run the cell opened (it ended last); while a run is open, the open
    one. None before this process has made a run.
    """
    from .run import live_runs

    found = lifecycle.latest_run_of_process(
        get_store(), current_host(), os.getpid(), _PROCESS_SEEN_AT - 1.0
    )
    # an open run this process adopted (a pipeline's) was created by another process
    candidates = [found] if found else []
    candidates += [(r.id, r.info.start_time) for r in live_runs() if not r.ended]
    if not candidates:
        return None
    return get_run(max(candidates, key=lambda c: c[1])[0])


def _live_runs() -> list[Run]:
    from .run import live_runs

    return live_runs()


def list_experiments() -> list[ExperimentInfo]:
    return run_store.list_experiments(get_store())


def experiment_summaries() -> list[dict[str, Any]]:
    """Each experiment with ``runs`` (top-level), ``all_runs`` and ``last_run_at``."""
    return _experiment_summaries(get_store())


def list_artifacts(run_id: str) -> list[ArtifactInfo]:
    return run_store.list_artifacts(get_store(), run_id)


def load_artifact(run_id: str, name: str) -> bytes:
    """The bytes of one artifact of a run."""
    store = get_store()
    art = run_store.get_artifact(store, run_id, name)
    return store.blobs.get_bytes(art.digest)


def download_artifact(run_id: str, name: str, dest: str | os.PathLike) -> Path:
    """Write one artifact to ``dest`` (a file path, or a folder to put it in)."""
    store = get_store()
    art = run_store.get_artifact(store, run_id, name)
    target = Path(dest)
    if target.is_dir():
        target = target / Path(art.name).name
    return store.blobs.get_file(art.digest, target)
