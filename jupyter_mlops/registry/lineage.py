"""Where a model version came from: version → run → input snapshots, notebook, cells, git commit.

A run nested in others (a ``%%mlops run`` inside ``%mlops start``, a search
candidate, a pipeline's child) inherits their inputs and parameters: the
lineage follows the parent chain and says which ancestor each came from.

Snapshots come from the data feature and executed cells from notebook
capture; each is looked up only if that feature is installed, so a store
without them still gives the rest of the lineage.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import NotFound
from ..naming import public_path_of
from ..store import get_store
from ..store import runs as run_store
from ..store.entities import RunInfo
from ..store.models import ModelVersionInfo

MAX_ANCESTORS = 64
THIS_RUN = "this run"


def _snapshot_dict(s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "ref": f"{s.name}@{s.version}",
        "name": s.name,
        "version": s.version,
        "rows": s.n_rows,
        "columns": s.n_columns,
        "fingerprint": s.fingerprint,
        "created_at": s.created_at,
    }


def generation(n: int) -> str:
    """How a run is related to the model's run: ``this run``, ``parent``, ``grandparent``..."""
    if n <= 2:
        return (THIS_RUN, "parent", "grandparent")[n]
    return "great-" * (n - 2) + "grandparent"


def run_chain(run_id: str) -> list[RunInfo]:
    """The run, then its parent, its parent's parent... (a missing run ends the chain)."""
    chain: list[RunInfo] = []
    store = get_store()
    next_id: str | None = run_id
    while next_id is not None and len(chain) <= MAX_ANCESTORS:
        if any(r.run_id == next_id for r in chain):
            break
        try:
            info = run_store.get_run_info(store, next_id)
        except NotFound:
            break
        chain.append(info)
        next_id = info.parent_run_id
    return chain


def _read_by(chain: list[RunInfo]) -> list[tuple[Any, int]]:
    """(snapshot, generation of the nearest run that read it), nearest run first."""
    try:
        from ..data import snapshots_of_run
    except ImportError:
        return []
    seen: set[int] = set()
    out = []
    for n, run in enumerate(chain):
        for snap in snapshots_of_run(run.run_id):
            if snap.id not in seen:
                seen.add(snap.id)
                out.append((snap, n))
    return out


def _source(chain: list[RunInfo], n: int | None) -> dict[str, Any]:
    if n is None:
        return {"run_id": None, "from": None}
    return {"run_id": chain[n].run_id, "from": generation(n)}


def input_snapshots(run_id: str) -> list[dict[str, Any]]:
    """The snapshots a run and its ancestors read, nearest run first, each with who read it.

    Empty when the data feature is absent. Registration records these ids, so a
    model fitted in a child run keeps the data its parent read.
    """
    chain = run_chain(run_id)
    return [{**_snapshot_dict(s), **_source(chain, n)} for s, n in _read_by(chain)]


def recorded_snapshots(
    ids: tuple[int, ...], chain: list[RunInfo] | None = None
) -> list[dict[str, Any]]:
    """The snapshots a version recorded when it was registered (by id), with who read them."""
    try:
        from ..data import get_snapshot
    except ImportError:
        return []
    chain = chain or []
    reader = {s.id: n for s, n in _read_by(chain)}
    out = []
    for i in ids:
        try:
            snap = _snapshot_dict(get_snapshot(i))
        except NotFound:
            snap = {"id": i, "ref": f"#{i} (deleted)", "name": None, "version": None,
                    "rows": 0, "columns": 0, "fingerprint": "", "created_at": None}  # fmt: skip
        out.append({**snap, **_source(chain, reader.get(i))})
    return out


def chain_params(chain: list[RunInfo]) -> dict[str, dict[str, Any]]:
    """Params of the run and its ancestors; the nearest run's value wins for a key."""
    store = get_store()
    params: dict[str, dict[str, Any]] = {}
    for n, run in enumerate(chain):
        for key, value in run_store.get_run_data(store, run.run_id).params.items():
            params.setdefault(key, {"value": value, **_source(chain, n)})
    return dict(sorted(params.items()))


def executed_cells(run_id: str) -> list[dict[str, Any]]:
    """The cells a run executed, in order (empty when notebook capture is absent)."""
    try:
        from ..tracking.cells import run_cells  # flushes cells still buffered in this kernel
    except ImportError:
        try:
            from ..store.cells import list_cells
        except ImportError:
            return []

        def run_cells(run_id: str) -> list:
            return list_cells(get_store(), run_id)

    return [
        {
            "seq": c.seq,
            "phase": c.phase,
            "execution_count": c.execution_count,
            "source": c.source,
            "error": c.error,
        }
        for c in run_cells(run_id)
    ]


def _run_dict(r: RunInfo) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "name": r.name,
        "experiment": r.experiment,
        "status": r.status.value,
        "user": r.user,
        "start_time": r.start_time,
        "notebook": r.source_path,
        "source_type": r.source_type,
        "git": {"commit": r.git_commit, "branch": r.git_branch, "dirty": r.git_dirty},
    }


@dataclass(frozen=True)
class Lineage:
    """A version's provenance; ``snapshots`` and ``params`` entries name the run they came
    from (``run_id``, and ``from``: ``this run``, ``parent``, ``grandparent``...)."""

    version: ModelVersionInfo
    run: RunInfo | None
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    ancestors: list[RunInfo] = field(default_factory=list)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def notebook(self) -> str | None:
        return None if self.run is None else self.run.source_path

    @property
    def git_commit(self) -> str | None:
        return None if self.run is None else self.run.git_commit

    @property
    def model_class(self) -> str:
        """The model's class by its public path (``sklearn.ensemble.RandomForestClassifier``)."""
        return public_path_of(self.version.model_class)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": asdict(self.version),
            "run": None if self.run is None else _run_dict(self.run),
            "ancestors": [_run_dict(a) for a in self.ancestors],
            "params": self.params,
            "snapshots": self.snapshots,
            "cells": self.cells,
        }

    # -- rendering ---------------------------------------------------------------
    def _origin(self, run_id: str | None, relation: str | None, verb: str) -> str:
        if run_id is None or relation in (None, THIS_RUN):
            return ""
        names = {a.run_id: a.name for a in self.ancestors}
        return f"  ({verb} {relation} {names.get(run_id)!r} {run_id[:8]})"

    def _nodes(self) -> tuple[str, list[tuple[str, list]]]:
        v = self.version
        aliases = f"  aliases: {', '.join(v.aliases)}" if v.aliases else ""
        root = f"model {v.ref}  ({v.format}, {self.model_class}){aliases}"
        if self.run is None:
            return root, [("run: none recorded", [])]
        r = self.run
        git = "git: not recorded"
        if r.git_commit:
            extra = ", ".join(x for x in (r.git_branch, "dirty" if r.git_dirty else "") if x)
            git = f"git {r.git_commit[:12]}" + (f" ({extra})" if extra else "")
        ancestors = [
            (f"{generation(n)} run {a.run_id[:12]} {a.name!r} {a.status.value}  "
             f"experiment {a.experiment}", [])
            for n, a in enumerate(self.ancestors, start=1)
        ]  # fmt: skip
        params = [
            (f"{k} = {p['value']}" + self._origin(p["run_id"], p["from"], "from"), [])
            for k, p in self.params.items()
        ]
        snaps = [
            (
                f"{s['ref']}  {s['rows']} rows × {s['columns']} cols  fp {s['fingerprint'][:12]}"
                + self._origin(s.get("run_id"), s.get("from"), "read by"),
                [],
            )
            for s in self.snapshots
        ]
        cells = [
            (
                f"[{c['execution_count'] if c['execution_count'] is not None else ' '}] "
                f"{_first_line(c['source'])}" + ("  (error)" if c["error"] else ""),
                [],
            )
            for c in self.cells
        ]
        children = [
            *ancestors,
            (f"notebook {r.source_path or '(not recorded)'}", []),
            (git, []),
            (f"params ({len(params)})", params),
            (f"input snapshots ({len(snaps)})", snaps),
            (f"executed cells ({len(cells)})", cells),
        ]
        run = (
            f"run {r.run_id[:12]} {r.name!r} {r.status.value}  experiment {r.experiment}",
            children,
        )
        return root, [run]

    def __str__(self) -> str:
        root, children = self._nodes()
        lines = [root]

        def walk(nodes: list, prefix: str) -> None:
            for i, (label, kids) in enumerate(nodes):
                last = i == len(nodes) - 1
                lines.append(prefix + ("└── " if last else "├── ") + label)
                walk(kids, prefix + ("    " if last else "│   "))

        walk(children, "")
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        root, children = self._nodes()

        def ul(nodes: list) -> str:
            if not nodes:
                return ""
            items = "".join(
                f"<li><code>{html.escape(label)}</code>{ul(kids)}</li>" for label, kids in nodes
            )
            return f"<ul style='margin:0 0 0 1em;padding-left:1em'>{items}</ul>"

        return f"<div class='mlops-lineage'><b><code>{html.escape(root)}</code></b>{ul(children)}</div>"


def _first_line(source: str, width: int = 70) -> str:
    lines = [ln for ln in source.strip().splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    more = len(lines) > 1
    if len(text) > width:
        text, more = text[: width - 1], True
    return text + (" …" if more else "")


def lineage(ref: str) -> Lineage:
    """version → run (and its parents) → input snapshots, params, notebook, cells, git commit."""
    from .models import get_model_version

    version = get_model_version(ref)
    if version.run_id is None:
        return Lineage(version, None)
    chain = run_chain(version.run_id)
    if not chain:
        return Lineage(version, None)
    run = chain[0]
    # The snapshots recorded at registration are the provenance; a run that read
    # more data after the model was registered does not change it.
    if version.input_snapshots:
        snapshots = recorded_snapshots(version.input_snapshots, chain)
    else:
        snapshots = input_snapshots(run.run_id)
    return Lineage(
        version, run, snapshots, executed_cells(run.run_id), chain[1:], chain_params(chain)
    )
