"""The ``Run`` object: buffered metric writing, heartbeats and the active-run stack.

Metric points are appended to an in-memory buffer (a few microseconds a call)
and written in one transaction when the buffer reaches ``BATCH_SIZE``, every
``MLOPS_FLUSH_INTERVAL`` seconds from a background keeper thread, when the run
ends, and at interpreter exit. The same keeper refreshes the heartbeat of
every run this process has open.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from ..errors import InvalidArgument, MlopsError, NoActiveRun
from ..store import Store, metric_batches, params_tags, spill
from ..store import runs as run_store
from ..store.entities import ArtifactInfo, RunData, RunInfo, RunStatus
from ..store.metrics import MetricRow
from . import artifacts, keeper
from .validation import (
    VALID_KEYS,
    check_key,
    check_metric_value,
    check_step,
    check_timestamp,
    param_to_text,
    tag_to_text,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 20000
# Points the store refused that a run keeps for inspection (``Run.rejected_points``).
MAX_KEPT_REJECTED = 1000
REJECTED_TAG = "mlops.rejected_points"


class Run:
    """An open (or finished) run. Use as a context manager to end it FINISHED or FAILED."""

    def __init__(self, store: Store, info: RunInfo) -> None:
        self.store = store
        self._info = info
        self.id = info.run_id
        self._buf: list[MetricRow] = []
        self._lock = threading.Lock()
        # Held across swap + insert, so a flush (e.g. at run end or exit) waits for
        # one already under way on the keeper thread instead of racing past it.
        self._flush_lock = threading.Lock()
        # Highest step per key; read and moved only under ``_lock``, so threads
        # logging without ``step=`` never get the same step.
        self._steps: dict[str, int] = {}
        self._ended = info.status.terminal
        self._flush_error_reported = False
        self.rejected_points: list[tuple[MetricRow, str]] = []
        self._rejected_count = 0

    # -- identity ----------------------------------------------------------
    @property
    def info(self) -> RunInfo:
        """The run's record as last read from the store."""
        return self._info

    @property
    def name(self) -> str:
        return self._info.name

    @property
    def experiment(self) -> str:
        return self._info.experiment

    @property
    def status(self) -> RunStatus:
        return self._info.status

    @property
    def ended(self) -> bool:
        return self._ended

    def refresh(self) -> RunInfo:
        self._info = run_store.get_run_info(self.store, self.id)
        return self._info

    def data(self) -> RunData:
        """Params, latest metrics, tags and artifacts, including points not yet flushed."""
        self.flush()
        return run_store.get_run_data(self.store, self.id)

    def __repr__(self) -> str:
        return (
            f"<Run {self.id[:8]} {self.name!r} {self.status.value} experiment={self.experiment!r}>"
        )

    def _repr_html_(self) -> str:
        from .display import run_repr_html

        return run_repr_html(self)

    def _repr_pretty_(self, p, cycle: bool) -> None:
        from .display import run_repr_pretty

        run_repr_pretty(self, p, cycle)

    # -- logging -----------------------------------------------------------
    def _check_open(self, what: str) -> None:
        if self._ended:
            raise MlopsError(f"run {self.id[:8]} has ended ({self.status.value}); cannot {what}")

    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._check_open("log params")
        if not isinstance(params, Mapping):
            raise InvalidArgument("params", "a mapping of name to value", type(params).__name__)
        checked = {check_key(k, "param key"): param_to_text(k, v) for k, v in params.items()}
        params_tags.log_params(self.store, self.id, checked)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        if not isinstance(tags, Mapping):
            raise InvalidArgument("tags", "a mapping of name to value", type(tags).__name__)
        checked = {check_key(k, "tag key"): tag_to_text(k, v) for k, v in tags.items()}
        params_tags.set_tags(self.store, self.id, checked)

    def log_metric(
        self, key: str, value: Any, step: int | None = None, timestamp: float | None = None
    ) -> None:
        """Buffer one point. Without ``step``, each key counts its own steps from 0."""
        if self._ended:
            self._check_open("log metrics")
        key = check_key(key, "metric key")
        v = check_metric_value(key, value)
        if step is not None:
            step = check_step(step)
        ts = time.time() if timestamp is None else check_timestamp(timestamp)
        steps = self._steps
        with self._lock:
            if step is None:
                step = steps[key] = steps.get(key, -1) + 1
            elif step > steps.get(key, -1):
                steps[key] = step
            self._buf.append((self.id, key, step, ts, v))
            full = len(self._buf) >= BATCH_SIZE
        if full:
            self.flush()

    def log_metrics(
        self, metrics: Mapping[str, Any], step: int | None = None, timestamp: float | None = None
    ) -> None:
        """Buffer several points at once; all are checked before any is kept."""
        self._check_open("log metrics")
        if not isinstance(metrics, Mapping):
            raise InvalidArgument("metrics", "a mapping of name to number", type(metrics).__name__)
        ts = time.time() if timestamp is None else check_timestamp(timestamp)
        if step is not None:
            step = check_step(step)
        rid = self.id
        # Rows are built once, here; a known key with a float value skips both
        # checks' calls (their own fast paths, inlined).
        valid = VALID_KEYS
        rows = [
            (rid, k, step, ts, v)
            if k.__class__ is str and v.__class__ is float and k in valid
            else (rid, check_key(k, "metric key"), step, ts, check_metric_value(k, v))
            for k, v in metrics.items()
        ]
        steps = self._steps
        with self._lock:
            if step is None:
                for i, (_, k, _, _, v) in enumerate(rows):
                    n = steps[k] = steps.get(k, -1) + 1
                    rows[i] = (rid, k, n, ts, v)
            else:
                last = steps.get
                for r in rows:
                    if step > last(r[1], -1):
                        steps[r[1]] = step
            self._buf.extend(rows)
            full = len(self._buf) >= BATCH_SIZE
        if full:
            self.flush()

    def flush(self) -> None:
        """Write buffered metric points now.

        Points the store refuses on their own (see ``store.metric_batches``) are
        set aside in ``rejected_points``, counted in the ``mlops.rejected_points``
        tag and warned about; the others are written. When the store itself
        fails, every unwritten point stays buffered and the error is raised.
        """
        with self._flush_lock:
            with self._lock:
                rows, self._buf = self._buf, []
            if not rows:
                return
            try:
                rejected = metric_batches.insert_isolating(self.store, rows)
            except Exception as exc:
                with self._lock:
                    self._buf[:0] = getattr(exc, "rows", rows)
                raise
            if rejected:
                self._set_aside(rejected)

    def flush_in_background(self) -> None:
        """A periodic flush: a failure is logged once per run and retried at the next one."""
        try:
            self.flush()
        except Exception as exc:
            if not self._flush_error_reported:
                self._flush_error_reported = True
                log.warning("run %s: background flush failed (will retry): %s", self.id[:8], exc)

    def _set_aside(self, rejected: list[tuple[MetricRow, str]]) -> None:
        room = MAX_KEPT_REJECTED - len(self.rejected_points)
        self.rejected_points.extend(rejected[: max(room, 0)])
        self._rejected_count += len(rejected)
        (_, key, step, _, value), why = rejected[0]
        warnings.warn(
            f"run {self.id[:8]}: {len(rejected)} metric point(s) refused by the store and set "
            f"aside (the others were written), e.g. {key!r} step {step} value {value}: {why}",
            stacklevel=3,
        )
        try:
            params_tags.set_tags(self.store, self.id, {REJECTED_TAG: str(self._rejected_count)})
        except Exception as exc:
            log.warning("run %s: could not tag refused points: %s", self.id[:8], exc)

    def log_artifact(
        self, path_or_bytes: str | os.PathLike | bytes, name: str | None = None
    ) -> list[ArtifactInfo]:
        """Store a file, a folder (each file under ``name/``) or bytes as artifacts of the run."""
        self._check_open("log artifacts")
        return artifacts.log_artifact(self.store, self.id, path_or_bytes, name)

    # -- ending ------------------------------------------------------------
    def end(
        self,
        status: str | RunStatus = RunStatus.FINISHED,
        error: str | None = None,
        reason: str | None = None,
    ) -> RunInfo:
        """Flush, then mark the run ``status``; ending twice is harmless."""
        st = RunStatus.parse(status)
        if st is RunStatus.RUNNING:
            raise InvalidArgument("status", "FINISHED, FAILED or KILLED", "RUNNING")
        if self._ended:
            return self._info
        spilled = self._final_flush(st, error, reason)
        self._ended = True
        _forget(self)
        try:
            self._info = run_store.end_run(self.store, self.id, st, error=error, reason=reason)
        except Exception as exc:
            if not spilled:
                raise
            warnings.warn(
                f"run {self.id[:8]}: could not be marked {st.value} ({exc}); the spill file "
                "records it, and the store applies it when next opened",
                stacklevel=2,
            )
        return self._info

    def _final_flush(self, status: RunStatus, error: str | None, reason: str | None) -> bool:
        """Flush; points the store cannot take go to a spill file (True), else are counted lost."""
        try:
            self.flush()
            return False
        except Exception as exc:
            failure = exc
        with self._lock:
            rows, self._buf = self._buf, []
        if not rows:
            return False
        n = len(rows)
        try:
            path = spill.write(
                self.store, self.id, rows, status=status.value, error=error, reason=reason
            )
        except OSError as spill_exc:
            tags = {spill.LOST_TAG: str(n)}
            message = (
                f"{n} metric points could not be written ({failure}) nor kept on disk "
                f"({spill_exc}): they are lost (tag {spill.LOST_TAG})"
            )
            path = None
        else:
            tags = {spill.SPILLED_TAG: str(n)}
            message = (
                f"{n} metric points could not be written ({failure}); kept in {path}, "
                "they are written when the store is next opened"
            )
        warnings.warn(f"run {self.id[:8]}: {message}", stacklevel=4)
        try:
            params_tags.set_tags(self.store, self.id, tags)
        except Exception as exc:
            log.warning("run %s: could not tag its unwritten points: %s", self.id[:8], exc)
        return path is not None

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and exc is None:
            exc = exc_type()
        self.end_with(exc, tb=tb)

    def end_with(
        self,
        exc: BaseException | None,
        *,
        tb: TracebackType | None = None,
        error: str | None = None,
    ) -> RunInfo:
        """End the run as the code it tracked ended: returned (None) or raised ``exc``.

        The one mapping from an outcome to a status (see ``outcome_of``); ``error``
        replaces the traceback in the record when the caller has a better message.
        """
        status, text = outcome_of(exc, tb)
        return self.end(status, error=error if error is not None and exc is not None else text)

    def resume_steps(self, steps: Mapping[str, int]) -> None:
        """Continue counting steps after these (a run picked up by another process)."""
        with self._lock:
            self._steps = dict(steps)


def outcome_of(
    exc: BaseException | None, tb: TracebackType | None = None
) -> tuple[RunStatus, str | None]:
    """(status, error) of a run whose code returned (None) or raised ``exc``.

    A KeyboardInterrupt or SystemExit is KILLED: the user or the process stopped
    the work. Any other exception is FAILED with its traceback (``tb`` when
    given, e.g. trimmed to the user's cell).
    """
    if exc is None:
        return RunStatus.FINISHED, None
    if isinstance(exc, KeyboardInterrupt):
        return RunStatus.KILLED, "interrupted (KeyboardInterrupt)"
    if isinstance(exc, SystemExit):
        return RunStatus.KILLED, f"exited (SystemExit: {exc.code})"
    trace = tb if tb is not None else exc.__traceback__
    return RunStatus.FAILED, "".join(traceback.format_exception(type(exc), exc, trace))


# -- process-wide bookkeeping -------------------------------------------------
_active: list[Run] = []
_live: weakref.WeakSet[Run] = weakref.WeakSet()
_keeper_lock = threading.Lock()
_keeper: threading.Thread | None = None
# Called with every newly tracked run (the magics' cell capture listens here).
track_listeners: list = []


def active_run() -> Run | None:
    """The innermost open run of this process, or None.

    In a kernel started by a pipeline run, the pipeline run when no other is open
    (see ``tracking/attach.py``).
    """
    if _active:
        return _active[-1]
    if os.environ.get("MLOPS_ATTACH_RUN_ID"):
        from .attach import fallback_run

        return fallback_run()
    return None


def require_active_run() -> Run:
    run = active_run()
    if run is None:
        raise NoActiveRun("no active run: start one with mlops.start_run() (or %mlops start)")
    return run


def live_runs() -> list[Run]:
    return list(_live)


def open_runs() -> list[Run]:
    """The runs this process has open, outermost first (without the attached pipeline run)."""
    return list(_active)


def innermost_run() -> Run | None:
    """The innermost run this process opened, without ``active_run``'s pipeline fallback."""
    return _active[-1] if _active else None


def push_run(run: Run) -> None:
    """Make ``run`` the active run (innermost) of this process."""
    _active.append(run)


def pop_run(run: Run) -> None:
    """``run`` is no longer among this process's open runs."""
    while run in _active:
        _active.remove(run)


def track(run: Run, *, make_active: bool = True) -> None:
    """Keep ``run`` alive: heartbeats, periodic flushes, ended at exit."""
    _live.add(run)
    if make_active:
        _active.append(run)
    _ensure_keeper()
    for listener in list(track_listeners):
        try:
            listener(run)
        except Exception as exc:  # a listener (cell capture) must never stop a run
            log.warning("run listener failed: %s", exc)


def _forget(run: Run) -> None:
    _live.discard(run)
    pop_run(run)


def _ensure_keeper() -> None:
    global _keeper
    with _keeper_lock:
        if _keeper is not None and _keeper.is_alive():
            return
        _keeper = threading.Thread(
            target=keeper.keep, args=(live_runs,), name="mlops-keeper", daemon=True
        )
        _keeper.start()
        keeper.install_exit_hooks(live_runs)
