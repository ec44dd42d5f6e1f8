"""Immutable records that leave the store: no session or ORM object reaches a face."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @classmethod
    def parse(cls, value: str | RunStatus, argument: str = "status") -> RunStatus:
        from ..errors import InvalidArgument

        try:
            return cls(str(value).upper())
        except ValueError:
            raise InvalidArgument(
                argument, "one of " + ", ".join(s.value for s in cls), value
            ) from None

    @property
    def terminal(self) -> bool:
        return self is not RunStatus.RUNNING


@dataclass(frozen=True)
class ExperimentInfo:
    experiment_id: int
    name: str
    created_at: float
    description: str | None = None


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment_id: int
    experiment: str
    name: str
    status: RunStatus
    start_time: float
    end_time: float | None
    heartbeat_at: float
    user: str
    host: str
    pid: int
    source_type: str
    source_path: str | None
    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    error: str | None
    parent_run_id: str | None
    context: dict[str, Any] = field(default_factory=dict)
    lifecycle: str = "active"  # or "deleted" (hidden from searches until gc)


@dataclass(frozen=True)
class RunData:
    """A run with everything logged to it."""

    info: RunInfo
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    artifacts: list[ArtifactInfo]


@dataclass(frozen=True)
class MetricPoint:
    key: str
    value: float
    step: int
    timestamp: float


@dataclass(frozen=True)
class ArtifactInfo:
    run_id: str
    name: str
    digest: str
    size: int
    media_type: str | None
    created_at: float


@dataclass(frozen=True)
class EventInfo:
    id: int
    timestamp: float
    kind: str
    entity_type: str
    entity_id: str
    user: str
    reason: str | None
    payload: dict[str, Any]
