"""How fast the runs view opens over many runs (target: first page of 10,000 runs in <= 1 s).

    python benchmarks/bench_widgets.py            # 10,000 runs
    python benchmarks/bench_widgets.py --runs 2000 --quick

The store is seeded once in a temporary MLOPS_HOME: a few runs through the
public API (so their shape is what the API writes), the rest bulk-inserted
with the same tables, each with params, latest metrics and a 10-step curve.
Then it times what a person waits for: the view's first page (count, page
query, default selection's curves, latest metrics and param diff), the next
page, a filter, a sort by a metric, and a selection of five runs. The peer
(MLflow's notebook UI) has no in-notebook widget to compare with, so no
ratio is printed.

Last, the size of an exported page (``export_html``) of one view and of three
views (runs, registry, drift) executed in a real kernel, with plotly.js inlined
(self-contained: one copy per page, whatever the number of views) and linked
(``plotly="directory"``: one ``plotly.min.js`` beside the pages). Skip it
with ``--no-export``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from tqdm import tqdm


def seed(n: int, steps: int = 10) -> None:
    from sqlalchemy import insert, select

    import jupyter_mlops as mlops
    from jupyter_mlops.store import get_store
    from jupyter_mlops.store.metrics import insert_metrics
    from jupyter_mlops.store.schema import Experiment, LatestMetric, Param, Run

    with mlops.start_run("api-run", experiment="bench", params={"lr": 0.1, "depth": 3}) as run:
        for s in range(steps):
            run.log_metrics({"acc": s / steps, "loss": 1 - s / steps}, step=s)
    store = get_store()
    with store.db.session(write=True) as s:
        exp_id = s.scalar(select(Experiment.experiment_id).where(Experiment.name == "bench"))
    now = time.time() - n
    batch = 1000
    progress = tqdm(total=n, desc="seeding runs", unit="run")
    progress.update(1)
    for start in range(0, n - 1, batch):
        runs, params, latest, points = [], [], [], []
        for i in range(start, min(start + batch, n - 1)):
            rid = uuid.uuid4().hex
            t = now + i
            runs.append(
                dict(
                    run_id=rid,
                    experiment_id=exp_id,
                    name=f"run{i}",
                    status="FINISHED",
                    start_time=t,
                    end_time=t + 1,
                    heartbeat_at=t + 1,
                    user="bench",
                    host="bench",
                    pid=1,
                    source_type="script",
                    context={},
                )
            )
            params += [
                dict(run_id=rid, key="lr", value=str(i % 7 / 10)),
                dict(run_id=rid, key="depth", value=str(i % 5)),
            ]
            acc = (i % 97) / 97
            latest += [
                dict(run_id=rid, key="acc", step=steps - 1, timestamp=t, value=acc, is_nan=False),
                dict(
                    run_id=rid, key="loss", step=steps - 1, timestamp=t, value=1 - acc, is_nan=False
                ),
            ]
            points += [
                (rid, k, s, t, v * s / steps)
                for s in range(steps)
                for k, v in (("acc", acc), ("loss", 1 - acc))
            ]
        with store.db.session(write=True) as s:
            s.execute(insert(Run), runs)
            s.execute(insert(Param), params)
            s.execute(insert(LatestMetric), latest)
        insert_metrics(store, points)
        progress.update(len(runs))
    progress.close()


def timed(label: str, fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<46} {best * 1000:8.1f} ms")
    return best, result


EXPORT_SETUP = """
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
import jupyter_mlops as mlops

rng = np.random.default_rng(7)
ref = pd.DataFrame({f"num{i}": rng.normal(size=2000) for i in range(20)})
cur = pd.DataFrame({f"num{i}": rng.normal(0.6 if i < 4 else 0.0, size=2000) for i in range(20)})
mlops.snapshot(ref, "reference")
mlops.snapshot(cur, "current")
for acc in (0.9, 0.8, 0.95):
    with mlops.start_run("fit", experiment="models"):
        mlops.log_metrics({"accuracy": acc, "f1": acc - 0.05})
        mlops.register_model("clf", DummyClassifier().fit([[0], [1]], [0, 1]))
"""
VIEWS = [
    "mlops.widgets.runs()",
    "mlops.widgets.registry('clf')",
    "mlops.widgets.drift('reference@latest', 'current@latest')",
]


def export_sizes(folder: Path) -> None:
    """Execute one- and three-view notebooks in a kernel and print their exported sizes."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from jupyter_mlops.notebooks import execute_notebook
    from jupyter_mlops.widgets.export import export_html, plotly_js

    js = plotly_js()
    print(f"\nexported pages (plotly.min.js alone is {len(js.encode()) / 1e6:.2f} MB)")
    for label, cells in (
        ("1 view", ["import jupyter_mlops as mlops", VIEWS[0]]),
        ("3 views", [EXPORT_SETUP, *VIEWS]),
    ):
        nb = new_notebook(cells=[new_code_cell(c) for c in cells])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        src, out = folder / "views.ipynb", folder / "views_out.ipynb"
        nbformat.write(nb, src)
        execute_notebook(src, out, cwd=folder, timeout=600)
        for mode in ("inline", "directory"):
            page = export_html(out, folder / mode / f"{label.replace(' ', '_')}.html", plotly=mode)
            text = page.read_text(encoding="utf-8")
            copies = text.count(js[:200])
            print(
                f"{label + ', plotly.js ' + ('inlined' if mode == 'inline' else 'linked'):<46}"
                f" {len(text.encode()) / 1e6:8.2f} MB  ({copies} inlined copies)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="one timing each instead of best of 3")
    parser.add_argument("--no-export", action="store_true", help="skip the exported page sizes")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MLOPS_HOME"] = str(Path(tmp) / ".mlops")
        os.environ.pop("MLOPS_TRACKING_URI", None)
        os.chdir(tmp)
        seed(args.runs)
        import jupyter_mlops as mlops

        print(f"\nruns view over {mlops.count_runs():,} runs (SQLite, 25 per page)")
        t = time.perf_counter()
        import jupyter_mlops.widgets

        print(
            f"{'import ipywidgets + views (once)':<46} {(time.perf_counter() - t) * 1000:8.1f} ms"
        )
        first, view = timed(
            "first page (3 runs selected, curves drawn)", mlops.widgets.runs, repeat
        )
        timed("next page", view.next_page, repeat)

        def filtered():
            view.filter_box.value = ""
            view.filter_box.value = "metrics.acc > 0.5 and params.depth = '3'"

        timed("filter (metrics.acc > 0.5 and params.depth = 3)", filtered, repeat)

        def by_metric():
            view.filter_box.value = ""
            view.order_box.value = "start_time"
            view.order_box.value = "metrics.acc"

        timed("sort by metrics.acc", by_metric, repeat)
        ids = list(view.frame["run_id"][:5])
        timed("select 5 runs (curves, latest, param diff)", lambda: view.select(ids), repeat)
        verdict = "met" if first <= 1.0 else "MISSED"
        print(f"\ntarget: first page <= 1000 ms: {verdict} ({first * 1000:.0f} ms)")
        print("peer: MLflow has no in-notebook runs widget; no ratio to report")
        if not args.no_export:
            export_sizes(Path(tmp))


if __name__ == "__main__":
    main()
