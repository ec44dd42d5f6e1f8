"""Stored evaluations: find one by its key, add one (with its event), list a model's.

Public functions take the ``Store`` and own their transaction; rows leave as
frozen :class:`EvaluationRecord` values.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .events import record_event
from .identity import current_user
from .schema_evaluate import Evaluation

if TYPE_CHECKING:
    from . import Store

ENTITY = "evaluation"


@dataclass(frozen=True)
class EvaluationRecord:
    id: str
    model_key: str
    model: str | None
    version: int | None
    snapshot_id: int
    params_digest: str
    params: dict[str, Any] = field(hash=False)
    kind: str
    n_rows: int
    result: dict[str, Any] = field(hash=False)
    predictions_digest: str
    created_at: float
    user: str


def _record(row: Evaluation) -> EvaluationRecord:
    return EvaluationRecord(
        row.id,
        row.model_key,
        row.model,
        row.version,
        row.snapshot_id,
        row.params_digest,
        dict(row.params or {}),
        row.kind,
        row.n_rows,
        dict(row.result or {}),
        row.predictions_digest,
        row.created_at,
        row.user,
    )


def _find(s, model_key: str, snapshot_id: int, params_digest: str):
    row = s.scalars(
        select(Evaluation).where(
            Evaluation.model_key == model_key,
            Evaluation.snapshot_id == snapshot_id,
            Evaluation.params_digest == params_digest,
        )
    ).first()
    return None if row is None else _record(row)


def find(
    store: Store, model_key: str, snapshot_id: int, params_digest: str
) -> EvaluationRecord | None:
    """The stored evaluation with this key, or None."""
    with store.db.session() as s:
        return _find(s, model_key, snapshot_id, params_digest)


def add(
    store: Store,
    *,
    model_key: str,
    model: str | None,
    version: int | None,
    snapshot_id: int,
    params_digest: str,
    params: dict[str, Any],
    kind: str,
    n_rows: int,
    result: dict[str, Any],
    predictions_digest: str,
) -> EvaluationRecord:
    """Insert the evaluation and its event in one transaction; a concurrent twin wins."""
    row = Evaluation(
        id=uuid.uuid4().hex,
        model_key=model_key,
        model=model,
        version=version,
        snapshot_id=snapshot_id,
        params_digest=params_digest,
        params=params,
        kind=kind,
        n_rows=n_rows,
        result=result,
        predictions_digest=predictions_digest,
        created_at=time.time(),
        user=current_user(),
    )
    with store.db.session(write=True) as s:
        twin = _find(s, model_key, snapshot_id, params_digest)
        if twin is not None:
            return twin
        try:
            with s.begin_nested():
                s.add(row)
        except IntegrityError:  # written by a concurrent evaluation meanwhile
            twin = _find(s, model_key, snapshot_id, params_digest)
            if twin is not None:
                return twin
            raise
        record_event(
            s,
            "model.evaluated",
            ENTITY,
            row.id,
            payload={"model": model_key, "snapshot_id": snapshot_id, "n_rows": n_rows},
        )
        return _record(row)


def list_for_model(store: Store, model: str, version: int | None = None) -> list[EvaluationRecord]:
    """Evaluations of a registered model (one version, or all), newest first."""
    q = select(Evaluation).where(Evaluation.model == model)
    if version is not None:
        q = q.where(Evaluation.version == version)
    with store.db.session() as s:
        return [_record(r) for r in s.scalars(q.order_by(Evaluation.created_at.desc()))]
