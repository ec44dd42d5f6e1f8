"""Promote a notebook to ``pipelines/NAME/``: a cleaned copy plus ``pipeline.yaml``.

Cleaning: outputs and execution counts are stripped; cells tagged
``exploration`` or ``skip`` are dropped, as are papermill's injected
parameters and ``%mlops promote`` lines. The parameters cell comes from the
first rule that applies:

1. ``tagged``: a cell tagged ``parameters`` is kept (it must hold only literal
   assignments);
2. ``magic``: ``%mlops param k=v`` lines become a new tagged parameters cell
   (the lines are removed: the pipeline runner logs the parameters itself);
3. ``first-cell``: the first code cell that is not only imports or magics, when
   it holds nothing but literal assignments, is tagged ``parameters``;
4. ``none``: the pipeline has no parameters.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..store import get_store
from ..store import pipelines as pipeline_store
from ..store import runs as run_store
from ..store.entities import RunInfo
from ..text_args import split_line
from . import catalog, inputs
from .params import (
    ParamSpec,
    is_parameter_source,
    literal_type,
    parse_assignment,
    parse_parameters,
    render_cell,
)
from .runner import read_notebook
from .spec import (
    PIPELINES_DIR,
    Gate,
    GateSpec,
    PipelineSpec,
    check_pipeline_name,
    load_spec,
    pipeline_gates,
)

DROP_TAGS = ("exploration", "skip")
_PARAM_MAGIC = re.compile(r"^\s*%mlops\s+param\s+(.*)$")
_PROMOTE_MAGIC = re.compile(r"^\s*%mlops\s+promote(\s|$)")
_SETUP_LINE = re.compile(r"^\s*(#.*|%.*|!.*|import\s.*|from\s+\S+\s+import\s.*)?$")


@dataclass(frozen=True)
class DroppedCell:
    index: int
    reason: str
    first_line: str


@dataclass(frozen=True)
class NotebookPromotion:
    """What ``promote_notebook`` wrote, kept, dropped and inferred."""

    name: str
    folder: Path
    spec: PipelineSpec
    rule: str
    kept: int
    dropped: tuple[DroppedCell, ...]
    origin_run_id: str | None
    updated: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def parameters(self) -> dict[str, ParamSpec]:
        return self.spec.parameters

    def __str__(self) -> str:
        lines = [
            f"{'Updated' if self.updated else 'Promoted'} pipeline {self.name!r} in {self.folder}",
            f"  kept {self.kept} cells; dropped {len(self.dropped)}",
        ]
        lines += [f"    - cell {d.index}: {d.reason}: {d.first_line[:60]!r}" for d in self.dropped]
        rule = {
            "tagged": "the cell tagged 'parameters'",
            "magic": "%mlops param lines",
            "first-cell": "the first cell of literal assignments",
            "none": "none found: the pipeline takes no parameters",
        }[self.rule]
        lines.append(f"  parameters from {rule}")
        for p in self.spec.parameters.values():
            null = " | None" if p.nullable and p.type != "any" else ""
            lines.append(f"    {p.name}: {p.type}{null} = {p.default!r}")
        if self.spec.inputs:
            lines.append("  inputs: " + ", ".join(_input_text(i) for i in self.spec.inputs))
        if self.spec.metrics:
            lines.append("  metrics: " + ", ".join(self.spec.metrics))
        if self.spec.gates:
            lines.append("  gates: " + "; ".join(str(g) for g in self.spec.gates))
        lines.append(f"  origin run: {self.origin_run_id or 'none found'}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


Promotion = NotebookPromotion  # the name it had first


def _input_text(i) -> str:
    return f"{i.name}@{i.version}" if i.version is not None else i.name


def _first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip()]
    return lines[0] if lines else ""


def _clean(nb: nbformat.NotebookNode) -> tuple[list, list[DroppedCell]]:
    """Cells to keep (outputs stripped) and the dropped ones with why."""
    kept, dropped = [], []
    for idx, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        hit = tags.intersection(DROP_TAGS)
        if hit:
            dropped.append(DroppedCell(idx, f"tagged {sorted(hit)[0]}", _first_line(cell.source)))
            continue
        if "injected-parameters" in tags:
            dropped.append(
                DroppedCell(idx, "papermill's injected parameters", _first_line(cell.source))
            )
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
            lines = cell.source.splitlines()
            rest = [line for line in lines if not _PROMOTE_MAGIC.match(line)]
            if len(rest) != len(lines):
                if not "".join(rest).strip():
                    dropped.append(
                        DroppedCell(idx, "promotes the notebook", _first_line(cell.source))
                    )
                    continue
                cell.source = "\n".join(rest)
        kept.append(cell)
    return kept, dropped


def _set_tag(cell, tag: str) -> None:
    tags = list(cell.metadata.get("tags", []))
    if tag not in tags:
        tags.append(tag)
    cell.metadata["tags"] = tags


def _parameters(cells: list, dropped: list[DroppedCell]) -> tuple[str, list[ParamSpec], list]:
    """(rule, parameters, cells) following the module docstring's rules."""
    for cell in cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return "tagged", parse_parameters(cell.source), cells
    found: dict[str, ParamSpec] = {}
    insert_at: int | None = None
    out = []
    for pos, cell in enumerate(cells):
        if cell.cell_type != "code":
            out.append(cell)
            continue
        lines = cell.source.splitlines()
        rest = []
        for line in lines:
            m = _PARAM_MAGIC.match(line)
            if not m:
                rest.append(line)
                continue
            for token in split_line(m.group(1)):
                if token.startswith("-"):
                    continue
                name, value = parse_assignment(token)
                found[name] = ParamSpec(name, literal_type(value), value, value is None)
            insert_at = len(out) if insert_at is None else insert_at
        if len(rest) != len(lines):
            if not "".join(rest).strip():
                dropped.append(
                    DroppedCell(pos, "only %mlops param lines", _first_line(cell.source))
                )
                continue
            cell.source = "\n".join(rest)
        out.append(cell)
    if found:
        new = nbformat.v4.new_code_cell(render_cell(list(found.values())))
        _set_tag(new, "parameters")
        out.insert(insert_at or 0, new)
        return "magic", list(found.values()), out
    for cell in out:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if all(_SETUP_LINE.match(line) for line in cell.source.splitlines()):
            continue
        if is_parameter_source(cell.source):
            _set_tag(cell, "parameters")
            return "first-cell", parse_parameters(cell.source), out
        break
    return "none", [], out


def _origin_runs(notebook: Path, run: str | None) -> list[RunInfo]:
    """The runs the pipeline will reproduce, in the order the notebook opened them.

    The notebook's top-level runs from its newest session (one kernel: same
    host and process), from the last time it opened its first run on; or, with
    ``run``, that run and the top-level runs its session opened after it. The
    first is the origin run: the one the pipeline run itself stands for.
    """
    chosen, session = pipeline_store.notebook_session_runs(get_store(), str(notebook), run)
    if chosen is None:
        return []
    if not session:  # a run of another notebook, or a child run: it alone
        return [chosen]
    if run:
        return [r for r in session if r.start_time >= chosen.start_time]
    first = max(i for i, r in enumerate(session) if r.name == session[0].name)
    return session[first:]


@dataclass(frozen=True)
class _Origin:
    """What promotion takes from the origin runs (``runs[0]`` is the origin run)."""

    runs: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()
    experiment: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def run_id(self) -> str | None:
        return self.runs[0] if self.runs else None


def _origin(notebook: Path, run: str | None) -> _Origin:
    runs = _origin_runs(notebook, run)
    if not runs:
        return _Origin(
            notes=("no run of this notebook found: verify needs an origin run (use --run)",)
        )
    data = run_store.get_run_data(get_store(), runs[0].run_id)
    return _Origin(
        runs=tuple(r.run_id for r in runs),
        metrics=tuple(data.metrics),
        artifacts=tuple(a.name for a in data.artifacts),
        experiment=data.info.experiment,
        notes=_origin_notes(runs),
    )


def _origin_notes(runs: list[RunInfo]) -> tuple[str, ...]:
    if len(runs) < 2:
        return ()
    names = [r.name for r in runs]
    return (
        f"the notebook opened {len(runs)} top-level runs ({', '.join(names)}); the pipeline "
        f"run stands for the first, {names[0]!r}, and verify compares each run with the one "
        "the pipeline opens in its place (--run RUN_ID starts from another run)",
    )


def promote_notebook(
    notebook: str | os.PathLike,
    name: str,
    *,
    run: str | None = None,
    gates: GateSpec = (),
    root: str | os.PathLike | None = None,
    timeout: float | None = None,
) -> Promotion:
    """Write ``<root>/pipelines/NAME/`` from ``notebook`` and record the pipeline in the store.

    ``run`` names the origin run (default: the first top-level run of the
    notebook's newest session, see ``_origin_runs``); ``gates`` are conditions such as ``"accuracy >= 0.9"``.
    Promoting again to the same name updates the pipeline, keeping its gates
    unless new ones are given.
    """
    name = check_pipeline_name(name)
    path = Path(notebook).resolve()
    parsed_gates = pipeline_gates(gates)
    _, nb = read_notebook(path)
    cells, dropped = _clean(nb)
    rule, params, cells = _parameters(cells, dropped)
    nb.cells = cells
    folder = Path(root or Path.cwd()).resolve() / PIPELINES_DIR / name
    previous = load_spec(folder) if (folder / "pipeline.yaml").is_file() else None
    origin = _origin(path, run)
    if not parsed_gates and previous is not None:
        parsed_gates = previous.gates
    spec = _pipeline_spec(
        name, folder, path, nb, params, rule, origin, parsed_gates, timeout, previous
    )
    missing = [g.metric for g in parsed_gates if origin.metrics and g.metric not in origin.metrics]
    notes = origin.notes
    if missing:
        notes += (f"gate metrics the origin run did not log: {', '.join(missing)}",)
    _write_pipeline(spec, nb, rule)
    return Promotion(
        name=name,
        folder=folder,
        spec=spec,
        rule=rule,
        kept=len(cells),
        dropped=tuple(dropped),
        origin_run_id=origin.run_id,
        updated=previous is not None,
        notes=notes,
    )


def _pipeline_spec(
    name: str,
    folder: Path,
    notebook: Path,
    nb: nbformat.NotebookNode,
    params: list[ParamSpec],
    rule: str,
    origin: _Origin,
    gates: tuple[Gate, ...],
    timeout: float | None,
    previous: PipelineSpec | None,
) -> PipelineSpec:
    """The ``pipeline.yaml`` of a promotion (timeout: given, else the previous one, else 600 s)."""
    if timeout is None:
        timeout = previous.timeout if previous else 600.0
    return PipelineSpec(
        name=name,
        folder=folder,
        workdir=os.path.relpath(notebook.parent, folder),
        kernel=nb.metadata.get("kernelspec", {}).get("name") or "python3",
        timeout=timeout,
        experiment=origin.experiment,
        parameters={p.name: p for p in params},
        inputs=tuple(inputs.origin_inputs(origin.run_id)),
        metrics=origin.metrics,
        artifacts=origin.artifacts,
        gates=gates,
        origin={
            "run_id": origin.run_id,
            **({"runs": list(origin.runs)} if len(origin.runs) > 1 else {}),
            "notebook": os.path.relpath(notebook, folder),
            "parameters_rule": rule,
        },
    )


def _write_pipeline(spec: PipelineSpec, nb: nbformat.NotebookNode, rule: str) -> None:
    """Write the cleaned notebook and ``pipeline.yaml``, then record the pipeline in the store."""
    spec.folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(spec.notebook_path, nbformat.writes(nb).encode("utf-8"))
    _write_atomic(spec.spec_path, spec.to_yaml().encode("utf-8"))
    catalog.register_pipeline(
        spec.name,
        str(spec.folder),
        catalog.notebook_digest(spec.notebook_path.read_bytes()),
        spec.origin_run_id,
        {
            "parameters": {n: p.as_yaml() for n, p in spec.parameters.items()},
            "gates": [str(g) for g in spec.gates],
            "inputs": [i.name for i in spec.inputs],
            "rule": rule,
        },
        event=True,
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
