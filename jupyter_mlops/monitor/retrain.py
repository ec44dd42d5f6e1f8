"""``retrain``: the loop a monitor with ``on_alert="retrain:PIPELINE"`` closes.

One call, in order, each step an event on the monitor (``retrain.started``,
``retrain.registered``, then ``retrain.promoted``, ``retrain.refused`` or
``retrain.failed``) with the reason ("retrained after drift alert on window
W"):

1. the data: the newest window of the watched model that has labels (its
   input columns, the label as the monitor's ``target``) made a snapshot
   ``MONITOR-window``, or the snapshot named by ``data=``;
2. the promoted pipeline runs (``run_pipeline``, never from the cache) with
   that snapshot's ref as its input parameter. A pipeline's declared inputs
   are what its origin run read (they key the cache) and cannot be
   overridden, so the ref goes to the string parameter whose default names a
   declared input (``data = "train@latest"`` when the origin read ``train``),
   else to a parameter called ``data``; a pipeline with neither runs on its own data;
3. the version of the watched model the run registered (read from the run's
   registry changes) gets the alias ``candidate``;
4. it is compared with the version holding the watched alias on the
   monitor's ``evaluation`` snapshot (``compare_models``) and promoted through
   the gates (``promote_model(..., on=evaluation, require=...)``) only if
   they pass: a refusal keeps the table of the gates in its event.

``dry_run=True`` says what would happen and writes nothing: no snapshot, no
run, no event (``jupyter mlops pipeline verify`` executes a pipeline without
registry writes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument, MlopsError, NotFound
from ..registry.uri import parse_ref
from ..store import get_store
from ..store import monitors as monitor_store
from .monitors import check_name

if TYPE_CHECKING:
    from ..pipeline.spec import PipelineSpec
    from ..store.monitoring import WindowInfo
    from ..store.monitors import MonitorInfo

__all__ = ["RetrainFailed", "RetrainResult", "retrain"]

CANDIDATE = "candidate"


class RetrainFailed(MlopsError):
    """The pipeline failed or registered no version of the model (``retrain.failed`` says so)."""


@dataclass(frozen=True)
class RetrainResult:
    """What one retraining did: ``status`` is ``promoted``, ``refused`` or ``dry run``."""

    pipeline: str
    monitor: str
    model: str
    status: str
    reason: str
    data: str | None = None
    parameter: str | None = None
    run_id: str | None = None
    candidate: int | None = None
    current: int | None = None
    verdict: str | None = None  # the paired comparison's word on accuracy (rmse for regressors)
    gates: list[dict[str, Any]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def promoted(self) -> bool:
        return self.status == "promoted"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return "\n".join([f"retrain {self.pipeline} ({self.monitor}): {self.status}"]
                         + [f"  {s}" for s in self.steps])  # fmt: skip

    def __repr__(self) -> str:
        return self.summary()


@dataclass
class _Plan:
    info: MonitorInfo
    spec: PipelineSpec
    model: str
    alias: str
    evaluation: str
    target: str
    require: list[str]
    reason: str
    alert_window: str | None
    window: WindowInfo | None
    data: str | None
    parameter: str | None


def _terms(info: MonitorInfo, pipeline: str) -> tuple[str, str]:
    action = info.on_alert or ""
    if not action.startswith("retrain:"):
        raise InvalidArgument(
            "monitor", f"a monitor declared with on_alert='retrain:{pipeline}'", info.on_alert
        )
    if action != f"retrain:{pipeline}":
        raise InvalidArgument("pipeline", f"the pipeline of {info.name}'s on_alert", pipeline)
    evaluation, target = info.retrain.get("evaluation"), info.retrain.get("target")
    if not evaluation or not target:
        raise InvalidArgument(
            "monitor",
            f"a monitor declared with evaluation=SNAPSHOT and target=COLUMN ({info.name} has "
            "none): the snapshot a retrained model must win on",
            info.retrain or None,
        )
    return evaluation, target


def input_parameter(spec: PipelineSpec) -> str | None:
    """The parameter that names the pipeline's input snapshot (see the module docstring)."""
    declared = {i.name for i in spec.inputs}
    for p in spec.parameters.values():
        if p.type == "str" and isinstance(p.default, str) and p.default.split("@")[0] in declared:
            return p.name
    data = spec.parameters.get("data")
    return "data" if data is not None and data.type in ("str", "any") else None


def _alert(name: str) -> tuple[str, str | None]:
    """The reason to retrain, from the newest alerting check (if any) and its window."""
    checks = monitor_store.list_checks(get_store(), name, limit=200)
    alerts = [c for c in checks if c.alert]
    if not alerts:
        return "retrained on request (no alert recorded)", None
    check = alerts[-1]
    reasons = check.statistics.get("reasons") or []
    kind = "drift" if any("drifted" in r for r in reasons) else "performance"
    return f"retrained after {kind} alert on window {check.window_id}", check.window_id


def _labelled_window(model: str) -> WindowInfo:
    from .windows import list_windows

    found = [w for w in list_windows(model) if w.n_labels]
    if not found:
        raise InvalidArgument(
            "data", f"a snapshot to train on (no window of {model} has labels yet)", None
        )
    return found[-1]


def _plan(pipeline: str, monitor: str, data: str | None) -> _Plan:
    from ..data.snapshot import get_snapshot
    from ..pipeline.spec import pipeline_by_name

    info = monitor_store.get_monitor(get_store(), check_name(monitor))
    if not isinstance(pipeline, str) or not pipeline:
        raise InvalidArgument("pipeline", "the name of a promoted pipeline", pipeline)
    evaluation, target = _terms(info, pipeline)
    spec = pipeline_by_name(pipeline)
    ref = parse_ref(info.model)
    alias = ref.alias if ref.alias not in (None, "latest") else "production"
    require = info.retrain.get("require") or ["accuracy >= current"]
    reason, alert_window = _alert(info.name)
    window = None
    if data is None:
        window = _labelled_window(info.model)
    elif not isinstance(data, str) or not data:
        raise InvalidArgument("data", "a snapshot reference such as 'train@latest'", data)
    else:
        data = get_snapshot(data).ref
    get_snapshot(evaluation)
    return _Plan(info, spec, ref.name, alias, evaluation, target, list(require), reason,
                 alert_window, window, data, input_parameter(spec))  # fmt: skip


def _window_snapshot(plan: _Plan) -> str:
    from ..data.snapshot import snapshot
    from .windows import load_window

    assert plan.window is not None
    frame = load_window(plan.window, labels=True)
    label = frame.attrs["label_column"]
    frame = frame[frame[label].notna()]
    inputs = [c for c in plan.window.columns[:-1] if c != plan.target]
    out = frame[inputs].copy()
    out[plan.target] = frame[label].infer_objects().to_numpy()
    out = out.reset_index(drop=True)
    desc = f"labelled rows of window {plan.window.id} ({plan.info.model}), for retraining"
    return snapshot(out, f"{plan.info.name}-window", run=False, description=desc).ref


def _event(plan: _Plan, kind: str, steps: list[str], text: str, **payload: Any) -> None:
    steps.append(text)
    payload = {"pipeline": plan.spec.name, "model": plan.model, **payload}
    monitor_store.record_monitor_event(
        get_store(), plan.info.name, kind, reason=plan.reason, payload=payload
    )


def _fail(plan: _Plan, steps: list[str], message: str, **payload: Any) -> RetrainFailed:
    _event(plan, "retrain.failed", steps, message, error=message, **payload)
    return RetrainFailed(f"retrain {plan.spec.name} ({plan.info.name}): {message}")


def _word(d: dict[str, Any]) -> str:
    return "better" if d.get("better") else "worse" if d.get("worse") else "not worse"


def _current(plan: _Plan) -> int | None:
    from ..registry.models import get_model_version

    try:
        return get_model_version(f"{plan.model}@{plan.alias}").version
    except NotFound:
        return None


def _dry_run(plan: _Plan) -> RetrainResult:
    source = plan.data or f"the labelled rows of window {plan.window.id} as {plan.info.name}-window"
    into = (
        f"as parameter {plan.parameter!r}" if plan.parameter else "(it declares no input parameter)"
    )
    current = _current(plan)
    steps = [
        f"would run pipeline {plan.spec.name} on {source} {into}",
        f"would alias the {plan.model} version it registers {CANDIDATE!r}",
        f"would compare it with {plan.model}@{plan.alias} (version {current}) on {plan.evaluation}",
        f"would promote it to {plan.alias!r} if {'; '.join(plan.require)} pass on {plan.evaluation}",
    ]
    return RetrainResult(plan.spec.name, plan.info.name, plan.model, "dry run", plan.reason,
                         data=plan.data, parameter=plan.parameter, current=current,
                         steps=steps)  # fmt: skip


def _run(plan: _Plan, steps: list[str]) -> tuple[str, int, str]:
    """Run the pipeline; (its run id, the version of the model it registered, the data ref)."""
    from ..pipeline.runner import run_pipeline

    data = plan.data or _window_snapshot(plan)
    params = {plan.parameter: data} if plan.parameter else {}
    _event(plan, "retrain.started", steps, f"running pipeline {plan.spec.name} on {data}",
           data=data, parameter=plan.parameter, window=plan.alert_window)  # fmt: skip
    try:
        result = run_pipeline(plan.spec, params, force=True, run_name=f"retrain {plan.info.name}")
    except MlopsError as exc:
        raise _fail(plan, steps, f"pipeline {plan.spec.name} did not run: {exc}") from None
    if not result.ok:
        why = result.error or f"the run ended {result.status.value}"
        raise _fail(
            plan, steps, f"pipeline run {result.run_id} failed: {why}", run_id=result.run_id
        )
    made = [c for c in result.registry_changes
            if c.action == "register" and c.model == plan.model and not c.dry_run]  # fmt: skip
    if not made:
        raise _fail(plan, steps, f"pipeline run {result.run_id} registered no version of "
                    f"{plan.model}", run_id=result.run_id)  # fmt: skip
    return result.run_id, int(made[-1].version), data


def retrain(
    pipeline: str, monitor: str, *, data: str | None = None, dry_run: bool = False
) -> RetrainResult:
    """Retrain with ``pipeline`` for ``monitor`` and promote the new version only if it wins.

    ``data``: a snapshot ref to train on instead of the newest labelled window.
    Raises ``RetrainFailed`` when the pipeline fails or registers no version
    of the watched model (after recording ``retrain.failed``).
    """
    from ..evaluation.compare import compare_models
    from ..registry.aliases import set_alias
    from ..registry.gates import GateFailed, promote_model

    if not isinstance(dry_run, bool):
        raise InvalidArgument("dry_run", "True or False", dry_run)
    plan = _plan(pipeline, monitor, data)
    if dry_run:
        return _dry_run(plan)
    steps: list[str] = []
    run_id, version, plan.data = _run(plan, steps)
    set_alias(plan.model, CANDIDATE, version, reason=plan.reason)
    _event(plan, "retrain.registered", steps, f"registered {plan.model}/{version} as candidate",
           run_id=run_id, version=version)  # fmt: skip
    current = _current(plan)
    verdict, verdicts = None, {}
    if current is not None and current != version:
        comparison = compare_models(f"{plan.model}/{current}", f"{plan.model}/{version}",
                                    data=plan.evaluation, target=plan.target)  # fmt: skip
        verdicts = {k: _word(d) for k, d in comparison.differences.items()}
        verdict = verdicts.get(comparison.main_metric)
    common = dict(run_id=run_id, candidate=version, current=current, verdict=verdict)
    extra = {"verdicts": verdicts}
    try:
        done = promote_model(plan.model, version, plan.alias, plan.require, reason=plan.reason,
                             on=plan.evaluation, target=plan.target)  # fmt: skip
    except GateFailed as exc:
        gates = [asdict(r) for r in exc.results]
        _event(plan, "retrain.refused", steps, f"{plan.model}/{version} refused: "
               + "; ".join(f"{g['rule']} failed" for g in gates if not g["passed"]),
               **common, **extra, gates=gates)  # fmt: skip
        return RetrainResult(plan.spec.name, plan.info.name, plan.model, "refused", plan.reason,
                             data=plan.data, parameter=plan.parameter, gates=gates, steps=steps,
                             **common)  # fmt: skip
    gates = [asdict(r) for r in done.results]
    _event(plan, "retrain.promoted", steps, f"promoted {plan.model}/{version} to "
           f"{plan.alias!r} (was {current}; {verdict or 'no comparison'})", **common, **extra,
           gates=gates)  # fmt: skip
    return RetrainResult(plan.spec.name, plan.info.name, plan.model, "promoted", plan.reason,
                         data=plan.data, parameter=plan.parameter, gates=gates, steps=steps,
                         **common)  # fmt: skip
