"""Routes of the Run and Compare pages: cells, context, previews, restored notebooks, comparisons."""

from __future__ import annotations

import pandas as pd

import jupyter_mlops as mlops

from ..tracking.cell_seed import run_with_cells


async def test_cells_route_has_the_sources_and_the_verdict(api):
    run_id = run_with_cells("cells", ["a = 1", "b = a"], before=("import os",))
    status, body = await api(f"runs/{run_id}/cells")
    assert status == 200
    assert [c["source"] for c in body["cells"]] == ["import os", "a = 1", "b = a"]
    assert [c["phase"] for c in body["cells"]] == ["before", "run", "run"]
    assert body["history"]["cells"] >= 2 and "warning" in body


async def test_context_route_names_input_snapshots_and_models(api):
    with mlops.start_run("ctx") as run:
        mlops.snapshot(pd.DataFrame({"x": [1, 2, 3]}), "train")
    status, body = await api(f"runs/{run.id}/context")
    assert status == 200
    assert [s["name"] for s in body["snapshots"]] == ["train"]
    assert body["models"] == [] and "commit" in body["git"]


async def test_preview_route_and_its_bad_rows(api, tmp_path):
    pd.DataFrame({"a": [1, 2, 3]}).to_csv(tmp_path / "t.csv", index=False)
    with mlops.start_run("art") as run:
        mlops.log_artifact(tmp_path / "t.csv")
    status, body = await api(f"runs/{run.id}/preview/t.csv", params={"rows": 2})
    assert status == 200 and body["rows"] == [[1], [2]]
    status, body = await api(f"runs/{run.id}/preview/t.csv", params={"rows": 0})
    assert status == 400 and "rows" in body["message"]


async def test_restored_notebook_lands_under_the_server_root(api, jp_root_dir):
    run_id = run_with_cells("nb", ["x = 1"])
    status, body = await api(f"runs/{run_id}/notebook", method="POST")
    assert status == 201
    assert (jp_root_dir / body["path"]).is_file()
    status, body = await api("runs/nosuch/notebook", method="POST")
    assert status == 404


async def test_compare_details_and_cell_diff(api):
    ids = []
    for i in range(3):
        with mlops.start_run(f"c{i}") as run:
            mlops.log_params({"lr": 0.1 * (i + 1), "same": 1})
            mlops.log_metric("acc", 0.5 + i / 10)
        ids.append(run.id)
    status, body = await api(
        "compare/details", params=[*(("run_id", i) for i in ids), ("y", "metrics.acc")]
    )
    assert status == 200
    assert body["metric"] == "acc" and body["x"] == "params.lr"
    assert body["parallel"]["data"][0]["type"] == "parcoords"
    assert {r["key"] for r in body["differences"]["rows"]} == {"lr", "acc"}
    status, body = await api(
        "compare/details", params=[*(("run_id", i) for i in ids), ("x", "nope")]
    )
    assert status == 400 and "field" in body["message"]
    a = run_with_cells("da", ["x = 1"])
    b = run_with_cells("db", ["x = 2"])
    status, body = await api("compare/cells", params={"base": a, "other": b})
    assert status == 200 and body["changed"] == 1
    status, body = await api("compare/cells", params={"base": a})
    assert status == 400 and "other" in body["message"]


async def test_metric_route_takes_a_time_axis_and_smoothing(api):
    with mlops.start_run("m") as run:
        for step in range(5):
            mlops.log_metric("loss", 1.0 / (step + 1), step=step)
    status, body = await api(f"runs/{run.id}/metrics/loss", params={"smoothing": "0.5"})
    assert status == 200 and len(body["figure"]["data"]) == 2
    status, body = await api(f"runs/{run.id}/metrics/loss", params={"x": "timestamp"})
    assert status == 200 and isinstance(body["figure"]["data"][0]["x"][0], str)
    status, body = await api(f"runs/{run.id}/metrics/loss", params={"smoothing": "x"})
    assert status == 400 and "smoothing" in body["message"]
