"""What a run's page in JupyterLab shows beyond ``get_run``: cells, git, environment, links.

One call gathers it, so the page asks once and renders; nothing is computed in the browser.
"""

from __future__ import annotations

import json
from typing import Any

from ..store import get_store
from ..store import models as model_store
from .api import get_run
from .cells import history, run_cells

MAX_DIFF_CHARS = 200_000


def _blob_text(digest: str | None, limit: int = MAX_DIFF_CHARS) -> str | None:
    if not digest:
        return None
    try:
        return get_store().blobs.get_bytes(digest)[:limit].decode("utf-8", "replace")
    except Exception:  # a blob gone after gc: the page shows the rest
        return None


def _environment(digest: str | None) -> dict[str, Any] | None:
    text = _blob_text(digest, limit=10_000_000)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _snapshots(run_id: str) -> list[dict[str, Any]]:
    from ..data import snapshots_of_run

    try:
        found = snapshots_of_run(run_id)
    except Exception:  # no data stack installed: a run without inputs
        return []
    return [{"ref": s.ref, "name": s.name, "version": s.version} for s in found]


def _models(run_id: str) -> list[dict[str, Any]]:
    versions = model_store.versions_of_run(get_store(), run_id)
    return [
        {"name": v.name, "version": v.version, "ref": f"{v.name}/{v.version}"} for v in versions
    ]


def run_cells_page(run_id: str) -> dict[str, Any]:
    """The cells a run executed with the hidden-state verdict (``cell_history``)."""
    rid = get_run(run_id).info.run_id
    report = history(rid)
    cells = [
        {
            "seq": c.seq,
            "phase": c.phase,
            "execution_count": c.execution_count,
            "source": c.source,
            "started_at": c.started_at,
            "duration": c.duration,
            "error": c.error,
        }
        for c in run_cells(rid)
    ]
    return {"run_id": rid, "cells": cells, "history": report.as_dict(), "warning": report.warning}


def run_context_page(run_id: str) -> dict[str, Any]:
    """Git commit and diff, environment, the snapshots the run read and the models it produced."""
    info = get_run(run_id).info
    git = info.context.get("git") or {}
    return {
        "run_id": info.run_id,
        "git": {
            "commit": info.git_commit,
            "branch": info.git_branch,
            "dirty": info.git_dirty,
            "root": git.get("root"),
            "diff": _blob_text(git.get("diff")),
            "diff_truncated": bool(git.get("diff_truncated")),
        },
        "environment": _environment(info.context.get("environment")),
        "snapshots": _snapshots(info.run_id),
        "models": _models(info.run_id),
        "notebook": info.source_path if info.source_type == "notebook" else None,
    }
