"""``pipeline run``: check parameters, reuse a cached run or execute the notebook in a tracked run.

Order of work, so that bad input never starts a kernel: resolve the pipeline,
check and convert the parameters by their declared types, read the notebook,
pick the kernel, compute the cache key; only then open a run and execute.

The run is opened here, in this process; the kernel attaches to it
(``tracking/attach.py``) so whatever the notebook logs lands in it. The run
ends FINISHED, or FAILED with the failing cell and its error, or KILLED when
the kernel died (re-run up to ``retries`` times, each attempt its own run). A
metric gate that is not met ends the run FAILED too. Only FINISHED runs enter
the cache.

Every registry change the notebook makes (a version registered, an alias
moved) is noted by the kernel, shown in the result and kept on the run as
``registry_changes.json``. With ``dry_run`` (always for ``pipeline verify``)
the kernel only describes those changes (``registry/changes.py``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from .. import config
from ..errors import InvalidArgument, MlopsError
from ..registry import changes
from ..store import get_store
from ..store import runs as run_store
from ..store.entities import RunStatus
from ..tracking.api import start_run
from ..tracking.attach import ENV_RUN_ID
from ..tracking.run import Run
from . import cache, catalog, engine, inputs
from .failure import CellFailure, find_failure, plain, running_cell
from .params import check_values
from .spec import Gate, PipelineSpec, find_pipeline

log = logging.getLogger(__name__)

OUTPUT_ARTIFACT = "output.ipynb"


@dataclass(frozen=True)
class GateResult:
    gate: str
    metric: str
    observed: float | None
    passed: bool


@dataclass(frozen=True)
class PipelineResult:
    """What one ``pipeline run`` did (``cached`` when it reused an earlier run)."""

    pipeline: str
    run_id: str
    status: RunStatus
    params: dict[str, Any]
    metrics: dict[str, float]
    gates: tuple[GateResult, ...] = ()
    cached: bool = False
    failure: CellFailure | None = None
    error: str | None = None
    attempts: int = 1
    output_path: str | None = None
    duration: float = 0.0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    registry_changes: tuple[changes.RegistryChange, ...] = ()
    dry_run: bool = False

    @property
    def gates_passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.FINISHED and self.gates_passed


def evaluate_gates(gates: tuple[Gate, ...], metrics: Mapping[str, float]) -> tuple[GateResult, ...]:
    results = []
    for gate in gates:
        passed, observed = gate.check(metrics)
        results.append(GateResult(str(gate), gate.metric, observed, passed))
    return tuple(results)


def load_param_file(path: str | os.PathLike) -> dict[str, Any]:
    """Parameters from a YAML (or JSON) file holding one mapping."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise InvalidArgument("params file", "an existing YAML file", str(file))
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidArgument("params file", "valid YAML", str(exc)[:200]) from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidArgument("params file", "a mapping of parameter name to value", data)
    return dict(data)


def read_notebook(path: Path) -> tuple[bytes, nbformat.NotebookNode]:
    """The notebook's bytes and node; anything but a valid notebook is a clear error."""
    if not path.is_file():
        raise InvalidArgument("notebook", "an existing .ipynb file", str(path))
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidArgument(
            "notebook", "a valid Jupyter notebook (.ipynb)", str(path), hint=first[:200]
        ) from None
    return raw, nb


def prepare(
    pipeline: str | os.PathLike | PipelineSpec,
    params: Mapping[str, Any] | None = None,
    params_file: str | os.PathLike | None = None,
    kernel: str | None = None,
) -> tuple[PipelineSpec, dict[str, Any], bytes, str, list[str]]:
    """Everything checked before a kernel starts: (spec, values, notebook bytes, kernel, warnings)."""
    spec = pipeline if isinstance(pipeline, PipelineSpec) else find_pipeline(pipeline)
    given: dict[str, Any] = {}
    if params_file is not None:
        given.update(load_param_file(params_file))
    given.update(params or {})
    values = check_values(spec.parameters, given)
    raw, nb = read_notebook(spec.notebook_path)
    kernel_name, warning = engine.resolve_kernel(nb, kernel or None)
    if kernel is None and spec.kernel and spec.kernel != kernel_name and warning is None:
        kernel_name, warning = engine.resolve_kernel(nb, spec.kernel)
    return spec, values, raw, kernel_name, [warning] if warning else []


def run_pipeline(
    pipeline: str | os.PathLike | PipelineSpec,
    params: Mapping[str, Any] | None = None,
    *,
    params_file: str | os.PathLike | None = None,
    force: bool = False,
    retries: int = 0,
    timeout: float | None = None,
    output: str | os.PathLike | None = None,
    parent: Run | str | None = None,
    kernel: str | None = None,
    progress: bool = False,
    run_name: str | None = None,
    dry_run: bool = False,
) -> PipelineResult:
    """Run a promoted pipeline; see the module docstring for what is recorded.

    ``params`` values may be typed values or command-line strings (converted by
    the declared type). Unknown names and wrong types raise ``InvalidArgument``
    before any kernel starts. ``dry_run`` runs the notebook with registry writes
    and alias moves only described (``result.registry_changes``), never made;
    such a run does not enter the cache.
    """
    if not isinstance(retries, int) or retries < 0:
        raise InvalidArgument("retries", "an integer >= 0", retries)
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise InvalidArgument("timeout", "a number of seconds > 0", timeout)
    spec, values, raw, kernel_name, notes = prepare(pipeline, params, params_file, kernel)
    started = time.monotonic()
    key = cache.cache_key(raw, values, inputs.current_fingerprints(spec.inputs))
    _list_in_catalog(spec, raw)
    if not force:
        hit = cache.lookup(key)
        if hit is not None:
            return _cached_result(spec, hit, values, started, notes)
    opts = _Options(timeout, output, parent, progress, run_name, dry_run or changes.dry_run())
    attempt = 0
    while True:
        attempt += 1
        result = _attempt(spec, values, key, kernel_name, attempt, opts)
        dead = result.status is RunStatus.KILLED
        if not dead or attempt > retries:
            break
    return PipelineResult(
        **{
            **result.__dict__,
            "attempts": attempt,
            "duration": time.monotonic() - started,
            "warnings": tuple(notes),
        }
    )


def _list_in_catalog(spec: PipelineSpec, raw: bytes) -> None:
    """Bookkeeping for `pipeline list`: a failure is logged, never a reason not to run."""
    try:
        catalog.register_pipeline(
            spec.name,
            str(spec.folder),
            catalog.notebook_digest(raw),
            spec.origin_run_id,
            _summary(spec),
            event=False,
        )
    except MlopsError as exc:
        log.warning("pipeline %s not listed in the catalog: %s", spec.name, exc)


def _summary(spec: PipelineSpec) -> dict[str, Any]:
    return {
        "parameters": {n: p.as_yaml() for n, p in spec.parameters.items()},
        "gates": [str(g) for g in spec.gates],
        "inputs": [i.name for i in spec.inputs],
    }


def _cached_result(
    spec: PipelineSpec, run_id: str, values: dict[str, Any], started: float, notes: list[str]
) -> PipelineResult:
    data = run_store.get_run_data(get_store(), run_id)
    return PipelineResult(
        pipeline=spec.name,
        run_id=run_id,
        status=data.info.status,
        params=values,
        metrics=data.metrics,
        gates=evaluate_gates(spec.gates, data.metrics),
        cached=True,
        duration=time.monotonic() - started,
        warnings=tuple(notes),
    )


def kernel_env(
    run_id: str, notebook: Path, changes_log: Path | None = None, dry_run: bool = False
) -> dict[str, str]:
    """The kernel's environment: this one, plus the run to attach to and the store to use.

    ``changes_log`` is where the kernel notes its registry changes; ``dry_run``
    makes it only describe them (``registry/changes.py``).
    """
    store = get_store()
    env = dict(os.environ)
    env[ENV_RUN_ID] = run_id
    env["MLOPS_NOTEBOOK_PATH"] = str(notebook)
    env["MLOPS_TRACKING_URI"] = store.tracking_uri
    env["MLOPS_BLOB_ROOT"] = store.blobs.url
    home = config.resolve().home
    if home is not None:
        env["MLOPS_HOME"] = str(home)
    env.pop("JPY_SESSION_NAME", None)
    if changes_log is not None:
        env[changes.ENV_LOG] = str(changes_log)
    if dry_run:
        env[changes.ENV_DRY_RUN] = "1"
    return env


@dataclass(frozen=True)
class _Options:
    """How ``run_pipeline`` was asked to run, passed on to each attempt."""

    timeout: float | None
    output: str | os.PathLike | None
    parent: Run | str | None
    progress: bool
    run_name: str | None
    dry_run: bool


@dataclass
class _Outcome:
    status: RunStatus = RunStatus.FINISHED
    failure: CellFailure | None = None
    error: str | None = None


def _attempt(
    spec: PipelineSpec,
    values: dict[str, Any],
    key: str,
    kernel_name: str,
    attempt: int,
    opts: _Options,
) -> PipelineResult:
    """One execution of the notebook in its own run, ended with what happened."""
    run = _open_run(spec, values, key, kernel_name, attempt, opts)
    with tempfile.TemporaryDirectory(prefix="mlops-pipeline-") as tmp:
        out = Path(opts.output) if opts.output is not None else Path(tmp) / OUTPUT_ARTIFACT
        out.parent.mkdir(parents=True, exist_ok=True)
        log = Path(tmp) / "registry_changes.jsonl"
        env = kernel_env(run.id, spec.notebook_path, log, opts.dry_run)
        holder: dict[str, Any] = {}
        outcome = _execute(spec, values, kernel_name, out, env, attempt, opts, holder, run)
        if not out.exists() and holder.get("nb") is not None:
            nbformat.write(holder["nb"], str(out))
        if out.exists():
            run.log_artifact(out, OUTPUT_ARTIFACT)
        made = _record_changes(run, log, opts.dry_run)
        return _finish(spec, values, key, run, outcome, made, opts, out)


def _open_run(
    spec: PipelineSpec,
    values: dict[str, Any],
    key: str,
    kernel_name: str,
    attempt: int,
    opts: _Options,
) -> Run:
    tags: dict[str, Any] = {
        "mlops.pipeline": spec.name,
        "mlops.pipeline.cache_key": key,
        "mlops.pipeline.attempt": attempt,
        "mlops.pipeline.kernel": kernel_name,
    }
    if spec.origin_run_id:
        tags["mlops.pipeline.origin_run"] = spec.origin_run_id
    if opts.dry_run:
        tags["mlops.pipeline.dry_run"] = "true"
    kwargs: dict[str, Any] = {} if opts.parent is None else {"parent": opts.parent}
    return start_run(
        opts.run_name or spec.name,
        experiment=spec.experiment,
        params=values,
        tags=tags,
        context={"pipeline": {"name": spec.name, "folder": str(spec.folder), "attempt": attempt}},
        source=("notebook", str(spec.notebook_path)),
        **kwargs,
    )


def notebook_label(spec: PipelineSpec) -> str:
    """``pipelines/NAME/notebook.ipynb``: how messages name the pipeline's notebook."""
    path = spec.notebook_path
    try:
        return path.relative_to(spec.folder.parent.parent).as_posix()
    except ValueError:
        return str(path)


def _execute(
    spec: PipelineSpec,
    values: dict[str, Any],
    kernel_name: str,
    out: Path,
    env: dict[str, str],
    attempt: int,
    opts: _Options,
    holder: dict[str, Any],
    run: Run,
) -> _Outcome:
    """Run the notebook in a kernel; how it went, as a status, failing cell and error."""
    limit = opts.timeout if opts.timeout is not None else spec.timeout
    label = notebook_label(spec)
    outcome = _Outcome()
    try:
        nb = engine.execute(
            spec.notebook_path,
            out,
            values,
            kernel_name=kernel_name,
            cwd=spec.run_dir,
            env=env,
            timeout=limit,
            progress=opts.progress,
            holder=holder,
        )
        outcome.failure = find_failure(nb, spec.notebook_path, label)
    except PapermillExecutionError as exc:
        outcome.failure = find_failure(holder.get("nb"), spec.notebook_path, label) or CellFailure(
            exc.cell_index,
            exc.exec_count,
            exc.source,
            exc.ename,
            exc.evalue,
            plain("\n".join(exc.traceback or [])),
            label,
        )
    except DeadKernelError as exc:
        outcome.status = RunStatus.KILLED
        outcome.error = f"the kernel died (attempt {attempt}): {_first_line(exc)}"
    except CellTimeoutError:
        cell = running_cell(holder.get("nb"), spec.notebook_path)
        outcome.status = RunStatus.FAILED
        outcome.error = (
            f"a cell ran longer than the {limit:g} s timeout{cell}; the kernel was stopped"
        )
    except Exception as exc:  # the kernel did not start, or the engine broke
        outcome.status = RunStatus.FAILED
        outcome.error = f"{type(exc).__name__}: {_first_line(exc)}"
    except KeyboardInterrupt as exc:
        run.end_with(exc)
        raise
    if outcome.failure is not None:
        outcome.status = RunStatus.FAILED
        outcome.error = str(outcome.failure) + "\n" + outcome.failure.traceback
    return outcome


def _record_changes(run: Run, log: Path, dry_run: bool) -> tuple[changes.RegistryChange, ...]:
    """The registry changes the kernel noted, kept on the run as ``registry_changes.json``."""
    made = tuple(changes.read_log(log))
    if made:
        body = {"dry_run": dry_run, "changes": [dataclasses.asdict(c) for c in made]}
        run.log_artifact(json.dumps(body, indent=2).encode("utf-8"), changes.ARTIFACT)
    run.set_tag("mlops.pipeline.registry_changes", str(len(made)))
    return made


def _finish(
    spec: PipelineSpec,
    values: dict[str, Any],
    key: str,
    run: Run,
    outcome: _Outcome,
    made: tuple[changes.RegistryChange, ...],
    opts: _Options,
    out: Path,
) -> PipelineResult:
    """Check the gates, end the run and cache it when it finished (and really ran)."""
    metrics = run.data().metrics
    gates = evaluate_gates(spec.gates, metrics)
    status, error = outcome.status, outcome.error
    if status is RunStatus.FINISHED and not all(g.passed for g in gates):
        status = RunStatus.FAILED
        error = "gates not met: " + "; ".join(
            f"{g.gate} (observed {g.observed})" for g in gates if not g.passed
        )
    run.set_tag("mlops.pipeline.gates", "passed" if all(g.passed for g in gates) else "failed")
    run.end(status, error=error, reason=f"pipeline {spec.name}")
    if status is RunStatus.FINISHED and not opts.dry_run:
        cache.record(key, spec.name, run.id)
    return PipelineResult(
        pipeline=spec.name,
        run_id=run.id,
        status=status,
        params=values,
        metrics=metrics,
        gates=gates,
        failure=outcome.failure,
        error=error,
        output_path=str(out) if opts.output is not None else None,
        registry_changes=made,
        dry_run=opts.dry_run,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
