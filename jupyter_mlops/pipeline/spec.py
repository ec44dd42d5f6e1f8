"""``pipelines/NAME/pipeline.yaml``: what a promoted pipeline declares.

```yaml
name: train
notebook: notebook.ipynb        # the cleaned copy, next to this file
workdir: ../..                  # where the notebook runs, relative to this folder
kernel: python3
timeout: 600                    # seconds per cell
parameters:
  alpha: {type: float, default: 0.5, help: regularisation}
inputs:                         # snapshots the origin run read
  - {name: train, version: 3, fingerprint: 9f2c...}
outputs: {metrics: [accuracy], artifacts: [model.skops]}
gates:                          # a run fails when any is not met
  - {metric: accuracy, op: ">=", value: 0.9}
  - "loss < 0.2"                # or the gate language's text (no 'current' here)
verify: {rtol: 1.0e-6, atol: 1.0e-9}
origin: {run_id: 3a1f..., notebook: analysis.ipynb, parameters_rule: tagged}
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidArgument, NotFound
from ..registry.gate_rules import Gate, GateSpec, make_gate, parse_gates
from .params import ParamSpec

SPEC_FILE = "pipeline.yaml"
NOTEBOOK_FILE = "notebook.ipynb"
PIPELINES_DIR = "pipelines"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def check_pipeline_name(name: object) -> str:
    """A pipeline name becomes a folder and a workflow file name: no path separators."""
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise InvalidArgument(
            "name",
            "1-100 letters, digits, '_', '-' or '.', starting with a letter or digit "
            "(no path separators)",
            name,
        )
    return name


def pipeline_gates(spec: GateSpec, argument: str = "gates") -> tuple[Gate, ...]:
    """The gates of a pipeline, in the one gate language, each on the run's own metrics.

    ``current`` (the metric of the model version holding an alias) has no
    meaning for a pipeline run, so a gate that says it is refused here, when the
    notebook is promoted or ``pipeline.yaml`` is read, not when the run ends.
    """
    gates = tuple(parse_gates(spec, argument))
    for gate in gates:
        if gate.needs_evaluation:
            raise InvalidArgument(
                argument,
                "a gate on one of the run's metrics: slice and max_slice_gap gates read an "
                "evaluation, so they belong to the alias move (models promote --on REF)",
                str(gate),
            )
        if gate.current:
            raise InvalidArgument(
                argument,
                "a number after the operator: a pipeline gate compares the run's own "
                "metrics; 'current' compares with the model version holding an alias, "
                "so it belongs to the alias move (models promote --require)",
                str(gate),
            )
    return gates


@dataclass(frozen=True)
class InputSpec:
    """A data snapshot the pipeline reads (name, the version the origin run read, fingerprint)."""

    name: str
    version: int | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    folder: Path
    notebook: str = NOTEBOOK_FILE
    workdir: str = "."
    kernel: str = "python3"
    timeout: float | None = 600.0
    experiment: str | None = None
    parameters: dict[str, ParamSpec] = field(default_factory=dict)
    inputs: tuple[InputSpec, ...] = ()
    metrics: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()
    gates: tuple[Gate, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    origin: dict[str, Any] = field(default_factory=dict)

    @property
    def notebook_path(self) -> Path:
        return self.folder / self.notebook

    @property
    def spec_path(self) -> Path:
        return self.folder / SPEC_FILE

    @property
    def run_dir(self) -> Path:
        """The working directory of the notebook (the origin notebook's folder when it exists)."""
        target = (self.folder / self.workdir).resolve()
        return target if target.is_dir() else self.folder.resolve()

    @property
    def origin_run_id(self) -> str | None:
        return self.origin.get("run_id")

    def with_gates(self, gates: tuple[Gate, ...]) -> PipelineSpec:
        return replace(self, gates=gates)

    def to_yaml(self) -> str:
        data: dict[str, Any] = {
            "name": self.name,
            "notebook": self.notebook,
            "workdir": self.workdir,
            "kernel": self.kernel,
            "timeout": self.timeout,
        }
        if self.experiment:
            data["experiment"] = self.experiment
        data["parameters"] = {n: p.as_yaml() for n, p in self.parameters.items()}
        data["inputs"] = [{k: v for k, v in vars(i).items() if v is not None} for i in self.inputs]
        data["outputs"] = {"metrics": list(self.metrics), "artifacts": list(self.artifacts)}
        data["gates"] = [{"metric": g.metric, "op": g.op, "value": g.value} for g in self.gates]
        data["verify"] = {"rtol": self.rtol, "atol": self.atol}
        data["origin"] = dict(self.origin)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def save(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.spec_path.write_text(self.to_yaml(), encoding="utf-8")
        return self.spec_path


def _gates_from_yaml(raw: Any) -> tuple[Gate, ...]:
    """``gates:`` as written by :meth:`PipelineSpec.to_yaml` ({metric, op, value}), or as text."""
    if raw is None or isinstance(raw, str):
        return pipeline_gates(raw)
    if not isinstance(raw, (list, tuple)):
        raise InvalidArgument("gates", "a list of {metric, op, value} or of gate texts", raw)
    gates: list[Gate] = []
    for item in raw:
        if isinstance(item, Mapping):
            fields = (item.get("metric"), item.get("op"), item.get("value"))
            gates.append(make_gate(*fields, argument="gates"))
        elif isinstance(item, str):
            gates.extend(pipeline_gates(item))
        else:
            raise InvalidArgument("gates", "{metric, op, value} or a gate text", item)
    return tuple(gates)


def load_spec(path: str | Path) -> PipelineSpec:
    """Read ``pipeline.yaml`` (a path to the file or to its folder)."""
    path = Path(path)
    file = path / SPEC_FILE if path.is_dir() else path
    if not file.is_file():
        raise NotFound(f"no pipeline spec at {file}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InvalidArgument(str(file), "a valid YAML pipeline spec", str(exc)[:200]) from None
    if not isinstance(data, Mapping):
        raise InvalidArgument(str(file), "a YAML mapping", type(data).__name__)
    raw_params = data.get("parameters") or {}
    if not isinstance(raw_params, Mapping):
        raise InvalidArgument("parameters", "a mapping of name to {type, default}", raw_params)
    outputs = data.get("outputs") or {}
    verify = data.get("verify") or {}
    timeout = data.get("timeout", 600)
    return PipelineSpec(
        name=check_pipeline_name(data.get("name", file.parent.name)),
        folder=file.parent.resolve(),
        notebook=str(data.get("notebook") or NOTEBOOK_FILE),
        workdir=str(data.get("workdir") or "."),
        kernel=str(data.get("kernel") or "python3"),
        timeout=None if timeout in (None, 0) else float(timeout),
        experiment=data.get("experiment"),
        parameters={n: ParamSpec.from_yaml(n, p) for n, p in raw_params.items()},
        inputs=tuple(
            InputSpec(str(i["name"]), i.get("version"), i.get("fingerprint"))
            for i in data.get("inputs") or []
            if isinstance(i, Mapping) and i.get("name")
        ),
        metrics=tuple(outputs.get("metrics") or ()),
        artifacts=tuple(outputs.get("artifacts") or ()),
        gates=_gates_from_yaml(data.get("gates")),
        rtol=float(verify.get("rtol", 1e-6)),
        atol=float(verify.get("atol", 1e-9)),
        origin=dict(data.get("origin") or {}),
    )


def find_pipeline(ref: str | Path, root: str | Path | None = None) -> PipelineSpec:
    """A pipeline by folder, by ``pipeline.yaml`` path, or by name (see :func:`pipeline_by_name`).

    Paths are for the command line; the REST API calls :func:`pipeline_by_name`.
    """
    ref_path = Path(ref)
    if ref_path.exists() and (ref_path.is_dir() or ref_path.suffix in (".yaml", ".yml")):
        return load_spec(ref_path)
    return pipeline_by_name(str(ref), root)


def pipeline_by_name(name: str, root: str | Path | None = None) -> PipelineSpec:
    """A pipeline by name only: ``ROOT/pipelines/NAME``, else the folder its promotion recorded.

    ``root`` defaults to the working directory. A value that is not a name (a path,
    ``..``) is an ``InvalidArgument``, so a caller that takes names from a request
    never resolves a folder the request chose.
    """
    name = check_pipeline_name(name)
    local = Path(root or Path.cwd()) / PIPELINES_DIR / name
    if (local / SPEC_FILE).is_file():
        return load_spec(local)
    from .catalog import registered_path

    path = registered_path(name)
    if path is not None and (Path(path) / SPEC_FILE).is_file():
        return load_spec(path)
    raise NotFound(
        f"pipeline {name!r} not found in {local.parent} nor in the store; "
        f"promote a notebook first: jupyter mlops promote NOTEBOOK --name {name}"
    )
