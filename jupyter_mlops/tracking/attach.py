"""Attaching a notebook's tracking calls to the run of the pipeline that executes it.

``jupyter mlops pipeline run`` opens the run itself, then starts the kernel with
``MLOPS_ATTACH_RUN_ID=<run id>`` (and the store's ``MLOPS_HOME`` /
``MLOPS_TRACKING_URI`` / ``MLOPS_BLOB_ROOT``). Inside that kernel:

* ``active_run()`` returns the pipeline run when no other run is open, so
  ``mlops.log_metric(...)`` and ``%mlops log`` with no ``start`` record into it;
* the first ``start_run()`` (``%mlops start``, ``%%mlops run``) the notebook
  makes returns the pipeline run itself (its params and tags are added to it)
  instead of opening an unrelated run; every later ``start_run()`` opens a
  child run of the pipeline run, so a notebook with several ``%%mlops run``
  cells keeps them apart under one parent;
* ending the pipeline run from the notebook (``end_run()``, ``%mlops end``,
  leaving a ``with start_run():`` block, kernel exit) only flushes its metrics
  and lets go of it in the kernel (as after ending any run, ``active_run()``
  is then None); the runner ends it FINISHED or FAILED, with the failing
  cell, after the kernel is gone.
  The first time it lets go, the time is tagged (``mlops.pipeline.released_at``):
  children opened after it are the notebook's later top-level runs, which
  ``pipeline verify`` compares with their counterparts (``pipeline_runs``).

Without ``MLOPS_ATTACH_RUN_ID`` nothing here changes any behaviour.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Mapping

from ..errors import MlopsError
from ..store import get_store
from ..store import metrics as metric_store
from ..store import runs as run_store
from ..store.entities import RunInfo, RunStatus
from . import run as run_mod
from .run import Run

ENV_RUN_ID = "MLOPS_ATTACH_RUN_ID"
RELEASED_TAG = "mlops.pipeline.released_at"

_lock = threading.Lock()
_attached: AttachedRun | None = None
_claimed = False
_warned: set[str] = set()


class AttachedRun(Run):
    """A run opened by another process (the pipeline runner) that this process logs into."""

    _released = False

    def end(
        self,
        status: str | RunStatus = RunStatus.FINISHED,
        error: str | None = None,
        reason: str | None = None,
    ) -> RunInfo:
        """Flush and let go of the run in this process; the runner that owns it ends it."""
        RunStatus.parse(status)
        self.flush()
        if not self._released:
            self._released = True
            try:  # runs opened after this are the notebook's later top-level runs
                self.set_tag(RELEASED_TAG, repr(time.time()))
            except MlopsError:
                pass
        self._ended = True
        run_mod.pop_run(self)
        return self._info

    def __repr__(self) -> str:
        return f"<Run {self.id[:8]} {self.name!r} attached to a pipeline run>"


def attached_run_id() -> str | None:
    return os.environ.get(ENV_RUN_ID) or None


def attached_run() -> AttachedRun | None:
    """The pipeline run this process is attached to, or None when it is not attached."""
    global _attached
    run_id = attached_run_id()
    if run_id is None:
        return None
    with _lock:
        if _attached is not None and _attached.id == run_id:
            return _attached
        try:
            store = get_store()
            info = run_store.get_run_info(store, run_id)
        except MlopsError as exc:
            _warn_once(run_id, f"cannot attach to pipeline run {run_id[:8]}: {exc}")
            return None
        if info.status.terminal:
            _warn_once(run_id, f"pipeline run {run_id[:8]} is {info.status.value}; not attaching")
            return None
        run = AttachedRun(store, info)
        run.resume_steps(metric_store.last_steps(store, run_id))
        run_mod.track(run, make_active=False)
        _flush_after_each_cell(run)
        _attached = run
        return run


def claim(params: Mapping[str, str], tags: Mapping[str, str]) -> Run | None:
    """For ``start_run``: the pipeline run, the first time the notebook opens a run; else None.

    Params the pipeline already set keep the pipeline's value (a warning says so).
    """
    global _claimed
    run = attached_run()
    if run is None or _claimed:
        return None
    _claimed = True
    run._ended = False  # %mlops start lets go of the open run before it starts one
    existing = run_store.get_run_data(run.store, run.id).params
    kept = {}
    for key, value in params.items():
        if key in existing and existing[key] != value:
            warnings.warn(
                f"param {key!r}={value!r} ignored: the pipeline runs with {key}={existing[key]!r}",
                stacklevel=3,
            )
        else:
            kept[key] = value
    if kept:
        run.log_params(kept)
    if tags:
        run.set_tags(tags)
    run_mod.push_run(run)
    return run


def fallback_run() -> Run | None:
    """For ``active_run``: the pipeline run while the notebook has not let go of it."""
    run = attached_run()
    return run if run is not None and not run.ended else None


def _flush_after_each_cell(run: AttachedRun) -> None:
    """In a kernel, write metric points after every cell, so none waits for the kernel's exit."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:
        return
    if shell is not None:
        shell.events.register("post_execute", run.flush)


def _warn_once(run_id: str, message: str) -> None:
    if run_id not in _warned:
        _warned.add(run_id)
        warnings.warn(message, stacklevel=3)


def _reset_for_tests() -> None:
    global _attached, _claimed
    _attached, _claimed = None, False


def pipeline_runs(run_id: str) -> list[str]:
    """The runs a pipeline's notebook opened at top level, in order.

    The pipeline run itself (the notebook's first run), then the children opened
    after the notebook let go of it; children opened while it was open are
    nested runs, not counterparts of the notebook's top-level runs.
    """
    store = get_store()
    data = run_store.get_run_data(store, run_id)
    released = data.tags.get(RELEASED_TAG)
    if released is None:
        return [run_id]
    since = float(released)
    children = [run_store.get_run_info(store, c) for c in run_store.child_run_ids(store, run_id)]
    later = sorted((c for c in children if c.start_time >= since), key=lambda c: c.start_time)
    return [run_id, *(c.run_id for c in later)]
