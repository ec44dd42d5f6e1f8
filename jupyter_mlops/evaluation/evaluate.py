"""``evaluate(model, data=, target=, slices=)``: a model scored on a stored snapshot, recorded.

The evaluation is keyed by the model (``name/version``, or a hash of an
object), the snapshot and the parameters; the same key is evaluated once and
then read back. Every row's scores are stored as a blob beside it, so a
comparison of two models pairs their stored evaluations without scoring again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgument
from ..store import evaluations as ev_store
from ..store import get_store
from . import scoring
from .engine import Scored
from .inputs import check_columns, model_input, params_digest, slice_codes, snapshot_input
from .result import Evaluation
from .summary import ALL, confusion, grouping, residuals

__all__ = ["evaluate"]


@dataclass(frozen=True)
class Options:
    target: str
    slices: list[str]
    n_bootstrap: int
    seed: int
    confidence: float
    importance_rows: int
    importance_repeats: int

    def params(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _options(info: Any, target: Any, slices: Any, **kw: Any) -> Options:
    cols = check_columns(info, target, slices)
    n_boot, seed, conf = kw["n_bootstrap"], kw["seed"], kw["confidence"]
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or not 100 <= n_boot <= 100_000:
        raise InvalidArgument("n_bootstrap", "an integer from 100 to 100000", n_boot)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgument("seed", "a non-negative integer", seed)
    if not isinstance(conf, float) or not 0.5 <= conf < 1:
        raise InvalidArgument("confidence", "a float in [0.5, 1), e.g. 0.95", conf)
    for name in ("importance_rows", "importance_repeats"):
        value = kw[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgument(name, "a non-negative integer (0: no importance)", value)
    return Options(
        target, cols, n_boot, seed, conf, kw["importance_rows"], kw["importance_repeats"]
    )


def load_rows(info: Any, target: str, needed: list[str]) -> pd.DataFrame:
    from ..data.snapshot import load_snapshot

    columns = list(dict.fromkeys([*needed, target]))
    frame = load_snapshot(info, columns=[c for c in columns if c in info.columns])
    if frame[target].isna().any():
        n = int(frame[target].isna().sum())
        raise InvalidArgument(
            "target", f"a column without nulls in {info.ref}", target, hint=f"{n} null(s)"
        )
    return frame


def summarise(scored: Scored, frame: pd.DataFrame, opts: Options) -> dict[str, Any]:
    """Overall and per-slice metrics with intervals; one seeded generator for all of them."""
    rng = np.random.default_rng(opts.seed)
    zeros = np.zeros(len(scored.truth), dtype=np.int64)
    overall = grouping([scored], zeros, [ALL], opts.n_bootstrap, rng, opts.confidence)[0][0][0]
    slices = {}
    for column in opts.slices:
        codes, labels = slice_codes(frame, column)
        slices[column] = grouping([scored], codes, labels, opts.n_bootstrap, rng, opts.confidence)[
            0
        ][0]
    result: dict[str, Any] = {"metrics": overall["metrics"], "slices": slices}
    if scored.kind == "classifier":
        result["classes"] = [c.item() if hasattr(c, "item") else c for c in scored.classes]
        result["confusion"] = confusion(scored)
    else:
        result["residuals"] = residuals(scored)
    return result


def _compute(model: Any, info: Any, opts: Options) -> tuple[dict[str, Any], Scored]:
    obj = model.object
    frame = load_rows(info, opts.target, [*info.columns])
    features = scoring.feature_columns(obj, frame, opts.target, model.signature)
    x = frame[features]
    scored = scoring.score(obj, x, frame[opts.target])
    result = summarise(scored, frame, opts)
    result["importance"] = scoring.importance(
        obj,
        x,
        frame[opts.target],
        scored.kind,
        rows=opts.importance_rows,
        repeats=opts.importance_repeats,
        seed=opts.seed,
    )
    result["features"] = features
    return result, scored


def evaluate(
    model: Any,
    data: Any = "holdout@latest",
    target: str = "churned",
    slices: list[str] | str | None = None,
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    importance_rows: int = 5000,
    importance_repeats: int = 5,
    data_name: str = "evaluation",
    trusted: Any = False,
) -> Evaluation:
    """Score ``model`` on the snapshot ``data`` and record the evaluation (or read it back).

    ``model``: ``churn@production``, ``churn/7`` or a fitted model; ``data``: a
    snapshot reference or a frame (snapshotted first as ``data_name``).
    Overall and per-slice metrics carry seeded percentile bootstrap intervals
    (``n_bootstrap`` resamples, ``confidence``); a slice value with fewer than
    30 rows gets its value but no interval. ``trusted`` is ``load_model``'s.
    """
    m = model_input(model, trusted)
    info = snapshot_input(data, data_name)
    opts = _options(
        info,
        target,
        slices,
        n_bootstrap=n_bootstrap,
        seed=seed,
        confidence=confidence,
        importance_rows=importance_rows,
        importance_repeats=importance_repeats,
    )
    return _evaluation(m, info, opts)


def _evaluation(m: Any, info: Any, opts: Options) -> Evaluation:
    store = get_store()
    params = opts.params()
    digest = params_digest(params)
    found = ev_store.find(store, m.key, info.id, digest)
    if found is not None:
        return Evaluation(found, info.ref, reused=True)
    result, scored = _compute(m, info, opts)
    result["model_class"] = m.model_class
    blob = store.blobs.put_bytes(scoring.predictions_bytes(scored))
    record = ev_store.add(
        store,
        model_key=m.key,
        model=m.name,
        version=m.version,
        snapshot_id=info.id,
        params_digest=digest,
        params=params,
        kind=scored.kind,
        n_rows=len(scored.truth),
        result=result,
        predictions_digest=blob.digest,
    )
    return Evaluation(record, info.ref)
