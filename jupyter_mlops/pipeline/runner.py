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
"""

from __future__ import annotations

import os
import re
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
from ..store import get_store
from ..store import runs as run_store
from ..store.entities import RunStatus
from ..tracking.api import start_run
from ..tracking.attach import ENV_RUN_ID
from ..tracking.run import Run
from . import cache, catalog, engine, inputs
from .params import check_values
from .spec import Gate, PipelineSpec, find_pipeline

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
OUTPUT_ARTIFACT = "output.ipynb"


@dataclass(frozen=True)
class CellFailure:
    """The cell that stopped a pipeline and its error."""

    cell_index: int
    execution_count: int | None
    source: str
    ename: str
    evalue: str
    traceback: str = ""

    def __str__(self) -> str:
        src = self.source.strip().splitlines()
        shown = "\n".join("    " + line for line in src[:12])
        if len(src) > 12:
            shown += "\n    ..."
        return f"cell {self.cell_index} failed: {self.ename}: {self.evalue}\n{shown}"


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
) -> PipelineResult:
    """Run a promoted pipeline; see the module docstring for what is recorded.

    ``params`` values may be typed values or command-line strings (converted by
    the declared type). Unknown names and wrong types raise ``InvalidArgument``
    before any kernel starts.
    """
    if not isinstance(retries, int) or retries < 0:
        raise InvalidArgument("retries", "an integer >= 0", retries)
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise InvalidArgument("timeout", "a number of seconds > 0", timeout)
    spec, values, raw, kernel_name, notes = prepare(pipeline, params, params_file, kernel)
    started = time.monotonic()
    key = cache.cache_key(raw, values, inputs.current_fingerprints(spec.inputs))
    try:  # bookkeeping for `pipeline list`: never a reason not to run
        catalog.register_pipeline(
            spec.name, str(spec.folder), _sha(raw), spec.origin_run_id, _summary(spec), event=False
        )
    except MlopsError:
        pass
    if not force:
        hit = cache.lookup(key)
        if hit is not None:
            return _cached_result(spec, hit, values, started, notes)
    attempt = 0
    while True:
        attempt += 1
        result = _attempt(
            spec, values, key, kernel_name, attempt, timeout, output, parent, progress, run_name
        )
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


def _sha(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


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


def kernel_env(run_id: str, notebook: Path) -> dict[str, str]:
    """The kernel's environment: this one, plus the run to attach to and the store to use."""
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
    return env


def _attempt(
    spec: PipelineSpec,
    values: dict[str, Any],
    key: str,
    kernel_name: str,
    attempt: int,
    timeout: float | None,
    output: str | os.PathLike | None,
    parent: Run | str | None,
    progress: bool,
    run_name: str | None,
) -> PipelineResult:
    tags = {
        "mlops.pipeline": spec.name,
        "mlops.pipeline.cache_key": key,
        "mlops.pipeline.attempt": attempt,
        "mlops.pipeline.kernel": kernel_name,
    }
    if spec.origin_run_id:
        tags["mlops.pipeline.origin_run"] = spec.origin_run_id
    kwargs: dict[str, Any] = {} if parent is None else {"parent": parent}
    run = start_run(
        run_name or spec.name,
        experiment=spec.experiment,
        params=values,
        tags=tags,
        context={"pipeline": {"name": spec.name, "folder": str(spec.folder), "attempt": attempt}},
        **kwargs,
    )
    holder: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mlops-pipeline-") as tmp:
        out = Path(output) if output is not None else Path(tmp) / OUTPUT_ARTIFACT
        out.parent.mkdir(parents=True, exist_ok=True)
        status, failure, error = RunStatus.FINISHED, None, None
        try:
            nb = engine.execute(
                spec.notebook_path,
                out,
                values,
                kernel_name=kernel_name,
                cwd=spec.run_dir,
                env=kernel_env(run.id, spec.notebook_path),
                timeout=timeout if timeout is not None else spec.timeout,
                progress=progress,
                holder=holder,
            )
            failure = find_failure(nb)
        except PapermillExecutionError as exc:
            failure = find_failure(holder.get("nb")) or CellFailure(
                exc.cell_index,
                exc.exec_count,
                exc.source,
                exc.ename,
                exc.evalue,
                _plain("\n".join(exc.traceback or [])),
            )
        except DeadKernelError as exc:
            status = RunStatus.KILLED
            error = f"the kernel died (attempt {attempt}): {_first_line(exc)}"
        except CellTimeoutError:
            limit = timeout if timeout is not None else spec.timeout
            cell = _running_cell(holder.get("nb"))
            error = f"a cell ran longer than the {limit:g} s timeout{cell}; the kernel was stopped"
            status = RunStatus.FAILED
        except Exception as exc:  # the kernel did not start, or the engine broke
            status, error = RunStatus.FAILED, f"{type(exc).__name__}: {_first_line(exc)}"
        except KeyboardInterrupt:
            run.end(RunStatus.KILLED, error="interrupted (KeyboardInterrupt)")
            raise
        if failure is not None:
            status, error = RunStatus.FAILED, str(failure) + "\n" + failure.traceback
        if not out.exists() and holder.get("nb") is not None:
            nbformat.write(holder["nb"], str(out))
        if out.exists():
            run.log_artifact(out, OUTPUT_ARTIFACT)
        metrics = run.data().metrics
        gates = evaluate_gates(spec.gates, metrics)
        if status is RunStatus.FINISHED and not all(g.passed for g in gates):
            status = RunStatus.FAILED
            error = "gates not met: " + "; ".join(
                f"{g.gate} (observed {g.observed})" for g in gates if not g.passed
            )
        run.set_tag("mlops.pipeline.gates", "passed" if all(g.passed for g in gates) else "failed")
        run.end(status, error=error, reason=f"pipeline {spec.name}")
        if status is RunStatus.FINISHED:
            cache.record(key, spec.name, run.id)
        return PipelineResult(
            pipeline=spec.name,
            run_id=run.id,
            status=status,
            params=values,
            metrics=metrics,
            gates=gates,
            failure=failure,
            error=error,
            output_path=str(out) if output is not None else None,
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _running_cell(nb: nbformat.NotebookNode | None) -> str:
    if nb is None:
        return ""
    # The timed-out cell is the last one papermill started.
    started = [
        (idx, cell)
        for idx, cell in enumerate(nb.cells)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if not started:
        return ""
    idx, cell = started[-1]
    lines = [line for line in cell.source.splitlines() if line.strip()]
    return f" (cell {idx}: {lines[-1].strip()[:80]!r})" if lines else f" (cell {idx})"


def find_failure(nb: nbformat.NotebookNode | None) -> CellFailure | None:
    """The first failed cell: an error output, or a cell papermill marked failed.

    A magic's ``UsageError`` prints to stderr without an error output, which
    papermill itself does not count as a failure; the cell's papermill status
    still says it failed, and its stderr holds the message.
    """
    if nb is None:
        return None
    for idx, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        errors = [
            o
            for o in outputs
            if o.get("output_type") == "error"
            and not (o.get("ename") == "SystemExit" and o.get("evalue") in ("", "0"))
        ]
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if not errors and status != "failed":
            continue
        if errors:
            err = errors[0]
            return CellFailure(
                idx,
                cell.get("execution_count"),
                cell.source,
                err.get("ename", "Error"),
                _plain(err.get("evalue", "")),
                _plain("\n".join(err.get("traceback", []))),
            )
        stderr = "".join(
            o.get("text", "")
            for o in outputs
            if o.get("output_type") == "stream" and o.get("name") == "stderr"
        )
        last = _plain(stderr).strip().splitlines()[-1] if stderr.strip() else "the cell failed"
        ename, sep, evalue = last.partition(": ")
        if not sep or " " in ename:
            ename, evalue = "Error", last
        return CellFailure(idx, cell.get("execution_count"), cell.source, ename, evalue, stderr)
    return None
