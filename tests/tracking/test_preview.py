"""Artifacts previewed by type, and a run's cells written back as a new notebook."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.tracking.preview import artifact_preview, notebook_at_state

from .cell_seed import run_with_cells


@pytest.fixture
def run_with_artifacts(store, tmp_path):
    frame = pd.DataFrame({"a": range(50), "b": [f"x{i}" for i in range(50)]})
    frame.to_csv(tmp_path / "table.csv", index=False)
    frame.to_parquet(tmp_path / "table.parquet")
    (tmp_path / "page.html").write_text("<b>hi</b><script>alert(1)</script>")
    (tmp_path / "notes.txt").write_text("line one\nline two")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01")
    with mlops.start_run("arts") as run:
        for name in ("table.csv", "table.parquet", "page.html", "notes.txt", "pic.png", "blob.bin"):
            mlops.log_artifact(tmp_path / name)
    return run.id


def test_csv_and_parquet_show_their_head(run_with_artifacts):
    csv = artifact_preview(run_with_artifacts, "table.csv", rows=5)
    assert csv["kind"] == "table"
    assert csv["columns"] == ["a", "b"]
    assert csv["rows"][4] == [4, "x4"] and len(csv["rows"]) == 5
    pq = artifact_preview(run_with_artifacts, "table.parquet", rows=3)
    assert pq["rows"] == [[0, "x0"], [1, "x1"], [2, "x2"]]
    assert pq["n_rows"] == 50


def test_html_text_image_and_binary(run_with_artifacts):
    html = artifact_preview(run_with_artifacts, "page.html")
    assert html["kind"] == "html" and "<script>" in html["text"]  # drawn in a sandboxed iframe
    text = artifact_preview(run_with_artifacts, "notes.txt")
    assert text == {**text, "kind": "text", "text": "line one\nline two", "truncated": False}
    image = artifact_preview(run_with_artifacts, "pic.png")
    assert image["data_url"].startswith("data:image/png;base64,")
    assert artifact_preview(run_with_artifacts, "blob.bin")["kind"] == "binary"


def test_rows_out_of_range_names_the_argument(run_with_artifacts):
    with pytest.raises(InvalidArgument, match="rows"):
        artifact_preview(run_with_artifacts, "table.csv", rows=0)


def test_notebook_at_state_writes_the_cells_in_order_and_never_overwrites(store, tmp_path):
    run_id = run_with_cells("train model", ["x = 1", "y = x + 1"], before=("import os",))
    first = notebook_at_state(run_id, tmp_path)
    second = notebook_at_state(run_id, tmp_path)
    assert first == f"mlops-restored/train-model-{run_id[:8]}.ipynb"
    assert second != first
    nb = json.loads((tmp_path / first).read_text())
    assert [c["source"] for c in nb["cells"]] == ["import os", "x = 1", "y = x + 1"]
    assert nb["metadata"]["mlops"]["run_id"] == run_id
    import nbformat

    nbformat.validate(nbformat.reads((tmp_path / first).read_text(), as_version=4))


def test_a_run_without_cells_cannot_be_restored(store, tmp_path):
    with mlops.start_run("empty") as run:
        pass
    with pytest.raises(InvalidArgument, match="captured cells"):
        notebook_at_state(run.id, tmp_path)
    assert not (tmp_path / "mlops-restored").exists() or not any(
        (tmp_path / "mlops-restored").iterdir()
    )
