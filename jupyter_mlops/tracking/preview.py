"""Artifacts previewed by type, and a run's captured cells written back as a notebook.

``artifact_preview`` returns JSON the Run page draws as it is: an image as a
data URL, HTML as text for a sandboxed iframe, the head of a CSV or Parquet
table as columns and rows, text truncated. ``notebook_at_state`` writes the
cells a run executed (in the order they ran) as a new notebook.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from .api import get_run, list_artifacts, load_artifact
from .cells import run_cells

HEAD_ROWS = 20
MAX_TEXT = 64_000
MAX_IMAGE = 5_000_000
TEXT_SUFFIXES = (".txt", ".log", ".md", ".json", ".yaml", ".yml", ".py", ".toml", ".ini", ".cfg")
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}


def _kind(name: str, media_type: str | None) -> str:
    lower = name.lower()
    suffix = Path(lower).suffix
    if suffix in IMAGE_TYPES or ((media_type or "").startswith("image/") and suffix != ".svg"):
        return "image"
    if suffix in (".html", ".htm", ".svg"):
        return "html"
    if suffix in (".csv", ".tsv", ".parquet", ".pq"):
        return "table"
    if suffix in TEXT_SUFFIXES or (media_type or "").startswith("text/"):
        return "text"
    return "binary"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def table_head(data: bytes, name: str, rows: int = HEAD_ROWS) -> dict[str, Any]:
    """The first ``rows`` rows of a CSV/TSV or Parquet file as ``{columns, rows, n_rows}``."""
    import pandas as pd

    suffix = Path(name.lower()).suffix
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        file = pq.ParquetFile(io.BytesIO(data))
        total = file.metadata.num_rows
        batch = next(file.iter_batches(batch_size=rows), None)
        frame = batch.to_pandas() if batch is not None else pd.DataFrame()
    else:
        sep = "\t" if suffix == ".tsv" else ","
        frame = pd.read_csv(io.BytesIO(data), sep=sep, nrows=rows)
        total = None  # counting would read the whole file
    frame = frame.head(rows)
    return {
        "columns": [str(c) for c in frame.columns],
        "rows": [[_cell(v) for v in rec] for rec in frame.itertuples(index=False, name=None)],
        "n_rows": total,
    }


def artifact_preview(run_id: str, name: str, rows: int = HEAD_ROWS) -> dict[str, Any]:
    """What the Run page shows of one artifact, chosen by its type."""
    if not isinstance(rows, int) or not 1 <= rows <= 1000:
        raise InvalidArgument("rows", "a whole number from 1 to 1000", rows)
    info = next((a for a in list_artifacts(run_id) if a.name == name), None)
    media_type = info.media_type if info else None
    kind = _kind(name, media_type)
    base = {"name": name, "kind": kind, "size": info.size if info else None}
    if kind == "binary" or (kind == "image" and base["size"] and base["size"] > MAX_IMAGE):
        return {**base, "kind": "binary"}
    data = load_artifact(run_id, name)
    if kind == "image":
        mime = IMAGE_TYPES.get(Path(name.lower()).suffix, media_type or "image/png")
        return {**base, "data_url": f"data:{mime};base64,{base64.b64encode(data).decode()}"}
    if kind == "table":
        try:
            return {**base, **table_head(data, name, rows)}
        except Exception as exc:  # a malformed file is shown as text, with why
            return {
                **base,
                "kind": "text",
                "text": data[:MAX_TEXT].decode("utf-8", "replace"),
                "truncated": len(data) > MAX_TEXT,
                "note": f"not a readable table: {exc}",
            }
    text = data[:MAX_TEXT].decode("utf-8", "replace")
    return {**base, "text": text, "truncated": len(data) > MAX_TEXT}


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "run"


def notebook_at_state(run_id: str, root_dir: str | Path, folder: str = "mlops-restored") -> str:
    """Write the cells ``run_id`` executed as ``<root>/<folder>/<name>-<id>.ipynb``; its path.

    The path returned is relative to ``root_dir`` (what JupyterLab's file
    browser opens). An existing file is never overwritten: ``-1``, ``-2``... follow.
    """
    data = get_run(run_id)
    cells = run_cells(data.info.run_id)
    if not cells:
        raise InvalidArgument("run_id", "a run with captured cells", data.info.run_id)
    root = Path(root_dir).expanduser().resolve()
    target_dir = root / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{_safe_name(data.info.name)}-{data.info.run_id[:8]}"
    path, n = target_dir / f"{stem}.ipynb", 0
    while path.exists():
        n += 1
        path = target_dir / f"{stem}-{n}.ipynb"
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"mlops": {"run_id": data.info.run_id, "restored_from": data.info.source_path}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{c.seq}",
                "metadata": {"mlops": {"phase": c.phase, "execution_count": c.execution_count}},
                "execution_count": None,
                "outputs": [],
                "source": c.source,
            }
            for c in cells
        ],
    }
    with open(path, "x", encoding="utf-8") as fh:
        json.dump(notebook, fh, indent=1)
    return path.relative_to(root).as_posix()
