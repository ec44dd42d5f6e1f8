"""A run's row, for the store modules: found by id or unique prefix, frozen as ``RunInfo``.

Session helpers only; the public functions of ``runs``, ``params_tags``,
``metrics``, ``artifacts``, ``cells`` and the others open the transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidArgument, NotFound
from .entities import RunInfo, RunStatus
from .schema import Experiment
from .schema import Run as RunRow


def run_info_of(row: RunRow, experiment: str) -> RunInfo:
    """The frozen ``RunInfo`` of a row read with its experiment's name."""
    return RunInfo(
        run_id=row.run_id,
        experiment_id=row.experiment_id,
        experiment=experiment,
        name=row.name,
        status=RunStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        heartbeat_at=row.heartbeat_at,
        user=row.user,
        host=row.host,
        pid=row.pid,
        source_type=row.source_type,
        source_path=row.source_path,
        git_commit=row.git_commit,
        git_branch=row.git_branch,
        git_dirty=row.git_dirty,
        error=row.error,
        parent_run_id=row.parent_run_id,
        context=dict(row.context or {}),
        lifecycle=row.lifecycle,
    )


def load_run_row(session: Session, run_id: str) -> tuple[RunRow, str]:
    """A run's row and its experiment's name (``NotFound`` when absent)."""
    if not isinstance(run_id, str) or not run_id:
        raise InvalidArgument("run_id", "a run id string", run_id)
    found = session.execute(
        select(RunRow, Experiment.name)
        .join(Experiment, Experiment.experiment_id == RunRow.experiment_id)
        .where(RunRow.run_id == run_id)
    ).first()
    if found is None:
        raise NotFound(f"run {run_id!r} does not exist")
    return found[0], found[1]


def resolve_run_id(session: Session, ref: str) -> str:
    """A full run id, or a unique prefix of at least 6 characters (as git does for commits)."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidArgument("run_id", "a run id or a unique prefix of it", ref)
    ref = ref.strip()
    if session.get(RunRow, ref) is not None:
        return ref
    hexadecimal = all(c in "0123456789abcdef" for c in ref)
    if hexadecimal and len(ref) < 6:
        raise InvalidArgument("run_id", "a run id or a unique prefix of at least 6 characters", ref)
    if hexadecimal:
        ids = session.scalars(
            select(RunRow.run_id).where(RunRow.run_id.like(ref + "%")).limit(2)
        ).all()
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise InvalidArgument(
                "run_id", "a unique prefix", ref, hint="several runs start with it"
            )
    raise NotFound(f"run {ref!r} does not exist")


def require_running(row: RunRow, what: str) -> None:
    """``Conflict`` unless the run is RUNNING (``what`` says what needed it)."""
    if row.status != RunStatus.RUNNING.value:
        raise Conflict(
            f"run {row.run_id} is {row.status}; {what} needs a RUNNING run "
            "(start a new run with start_run())"
        )
