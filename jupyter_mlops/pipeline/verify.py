"""``pipeline verify``: re-run with the origin run's parameters and compare every metric.

A metric reproduces when ``|new - origin| <= atol + rtol * |origin|`` (the
tolerances come from ``pipeline.yaml``'s ``verify`` section unless given). A
metric the origin logged but the re-run did not is a failure; NaN reproduces
only as NaN.

A notebook that opens several top-level runs is reproduced run by run: the
origin runs (``origin.runs`` in ``pipeline.yaml``, in the order the notebook
opened them) are compared with the runs the re-run opened in the same places
(the pipeline run, then its later top-level children: ``attach.pipeline_runs``).
The re-run is a registry dry run: nothing is registered and no alias moves.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InvalidArgument, NotFound
from ..store import get_store
from ..store import runs as run_store
from ..tracking.api import set_run_tags
from ..tracking.attach import pipeline_runs
from .params import convert
from .runner import PipelineResult, run_pipeline
from .spec import PipelineSpec, find_pipeline


@dataclass(frozen=True)
class MetricCheck:
    metric: str
    origin: float
    rerun: float | None
    diff: float | None
    tolerance: float
    ok: bool
    run: str = ""  # the origin run's name, when the notebook opened several


@dataclass(frozen=True)
class Verification:
    pipeline: str
    origin_run_id: str
    run: PipelineResult
    checks: tuple[MetricCheck, ...]
    rtol: float
    atol: float
    pairs: tuple[tuple[str, str | None], ...] = ()  # (origin run, its re-run counterpart)

    @property
    def ok(self) -> bool:
        return self.run.status.value == "FINISHED" and all(c.ok for c in self.checks)


def _origin_params(spec: PipelineSpec, params: dict[str, str]) -> dict[str, Any]:
    """The origin run's logged values of the pipeline's parameters, by declared type."""
    out: dict[str, Any] = {}
    for name, p in spec.parameters.items():
        if name not in params:
            continue
        text = params[name]
        if p.nullable and text == "None":
            out[name] = None
        elif p.type in ("list", "dict", "any"):
            import ast

            try:
                out[name] = convert(name, p.type, ast.literal_eval(text), nullable=p.nullable)
            except (ValueError, SyntaxError):
                out[name] = convert(name, p.type, text, nullable=p.nullable)
        else:
            out[name] = convert(name, p.type, text, nullable=p.nullable)
    return out


def _check(
    metric: str, origin: float, rerun: float | None, rtol: float, atol: float
) -> MetricCheck:
    tol = atol + rtol * abs(origin) if not math.isnan(origin) else 0.0
    if rerun is None:
        return MetricCheck(metric, origin, None, None, tol, False)
    if math.isnan(origin) or math.isnan(rerun):
        return MetricCheck(
            metric, origin, rerun, None, tol, math.isnan(origin) and math.isnan(rerun)
        )
    diff = rerun - origin
    ok = diff == 0 or abs(diff) <= tol
    return MetricCheck(metric, origin, rerun, diff, tol, ok)


def verify_pipeline(
    pipeline: str | os.PathLike | PipelineSpec,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    timeout: float | None = None,
    progress: bool = False,
    dry_run: bool = True,
) -> Verification:
    """Re-run the pipeline (never from the cache) with its origin run's parameters.

    ``dry_run=False`` lets the re-run really register models and move aliases.
    """
    spec = pipeline if isinstance(pipeline, PipelineSpec) else find_pipeline(pipeline)
    for arg, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and (not isinstance(value, (int, float)) or value < 0):
            raise InvalidArgument(arg, "a number >= 0", value)
    rtol = spec.rtol if rtol is None else float(rtol)
    atol = spec.atol if atol is None else float(atol)
    origin_id = spec.origin_run_id
    if not origin_id:
        raise NotFound(
            f"pipeline {spec.name!r} has no origin run to reproduce; promote it again with "
            "--run RUN_ID"
        )
    store = get_store()
    origins = [run_store.get_run_data(store, r) for r in _origin_ids(spec)]
    params: dict[str, str] = {}
    for data in reversed(origins):  # the first run's value wins
        params.update(data.params)
    result = run_pipeline(
        spec,
        _origin_params(spec, params),
        force=True,
        timeout=timeout,
        progress=progress,
        run_name=f"{spec.name}-verify",
        dry_run=dry_run,
    )
    set_run_tags(result.run_id, {"mlops.pipeline.verifies": origin_id})
    reruns: list[str | None] = list(pipeline_runs(result.run_id))
    reruns += [None] * (len(origins) - len(reruns))
    checks: list[MetricCheck] = []
    pairs = []
    for origin, rerun_id in zip(origins, reruns, strict=False):
        pairs.append((origin.info.run_id, rerun_id))
        got = result.metrics if rerun_id == result.run_id else _metrics(rerun_id)
        label = origin.info.name if len(origins) > 1 else ""
        checks += [
            replace(_check(k, v, got.get(k), rtol, atol), run=label)
            for k, v in sorted(origin.metrics.items())
        ]
    return Verification(spec.name, origin_id, result, tuple(checks), rtol, atol, tuple(pairs))


def _origin_ids(spec: PipelineSpec) -> list[str]:
    """The origin runs, first the one the pipeline run stands for."""
    runs = [r for r in spec.origin.get("runs") or () if isinstance(r, str)]
    return runs if runs and runs[0] == spec.origin_run_id else [spec.origin_run_id]


def _metrics(run_id: str | None) -> dict[str, float]:
    return {} if run_id is None else run_store.get_run_data(get_store(), run_id).metrics
