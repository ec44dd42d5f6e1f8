"""Where a model version came from: version → run → input snapshots, notebook, cells, git commit.

Snapshots come from the data feature and executed cells from notebook
capture; each is looked up only if that feature is installed, so a store
without them still gives the rest of the lineage.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import NotFound
from ..store import get_store
from ..store import runs as run_store
from ..store.entities import RunInfo
from ..store.models import ModelVersionInfo


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


def input_snapshots(run_id: str) -> list[dict[str, Any]]:
    """The snapshots a run read, as plain dicts (empty when the data feature is absent)."""
    try:
        from ..data import snapshots_of_run
    except ImportError:
        return []
    return [_snapshot_dict(s) for s in snapshots_of_run(run_id)]


def recorded_snapshots(ids: tuple[int, ...]) -> list[dict[str, Any]]:
    """The snapshots a version recorded when it was registered (by id)."""
    try:
        from ..data import get_snapshot
    except ImportError:
        return []
    out = []
    for i in ids:
        try:
            out.append(_snapshot_dict(get_snapshot(i)))
        except NotFound:
            out.append({"id": i, "ref": f"#{i} (deleted)", "name": None, "version": None,
                        "rows": 0, "columns": 0, "fingerprint": "", "created_at": None})  # fmt: skip
    return out


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


@dataclass(frozen=True)
class Lineage:
    version: ModelVersionInfo
    run: RunInfo | None
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def notebook(self) -> str | None:
        return None if self.run is None else self.run.source_path

    @property
    def git_commit(self) -> str | None:
        return None if self.run is None else self.run.git_commit

    def to_dict(self) -> dict[str, Any]:
        v = asdict(self.version)
        run = None
        if self.run is not None:
            r = self.run
            run = {
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
        return {"version": v, "run": run, "snapshots": self.snapshots, "cells": self.cells}

    # -- rendering ---------------------------------------------------------------
    def _nodes(self) -> tuple[str, list[tuple[str, list]]]:
        v = self.version
        aliases = f"  aliases: {', '.join(v.aliases)}" if v.aliases else ""
        root = f"model {v.ref}  ({v.format}, {v.model_class}){aliases}"
        if self.run is None:
            return root, [("run: none recorded", [])]
        r = self.run
        git = "git: not recorded"
        if r.git_commit:
            extra = ", ".join(x for x in (r.git_branch, "dirty" if r.git_dirty else "") if x)
            git = f"git {r.git_commit[:12]}" + (f" ({extra})" if extra else "")
        snaps = [
            (f"{s['ref']}  {s['rows']} rows × {s['columns']} cols  fp {s['fingerprint'][:12]}", [])
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
            (f"notebook {r.source_path or '(not recorded)'}", []),
            (git, []),
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
    """version → run → input snapshots, notebook path, executed cells, git commit."""
    from .models import get_model_version

    version = get_model_version(ref)
    if version.run_id is None:
        return Lineage(version, None)
    try:
        run = run_store.get_run_info(get_store(), version.run_id)
    except NotFound:
        return Lineage(version, None)
    # The snapshots recorded at registration are the provenance; a run that read
    # more data after the model was registered does not change it.
    if version.input_snapshots:
        snapshots = recorded_snapshots(version.input_snapshots)
    else:
        snapshots = input_snapshots(run.run_id)
    return Lineage(version, run, snapshots, executed_cells(run.run_id))
