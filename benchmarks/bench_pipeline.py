"""Wall time of ``pipeline run`` against plain papermill on the same notebook, and sweep speed-up.

Targets: ``pipeline run`` at most 10% slower than plain ``papermill`` on the
same notebook (it also records a run, attaches the kernel, uploads the output
notebook); a sweep of 4 points with 2 workers faster than with 1.

Plain papermill rewrites the whole output notebook when each cell starts and
ends, so its cost grows with the square of the cell count; the runner writes
it once. Use ``--cells`` to see that grow.

    python benchmarks/bench_pipeline.py [--cells 120] [--repeat 2] [--points 4] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat


def make_notebook(path: Path, cells: int) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("scale = 1.0\nrows: int = 2000")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_code_cell("import jupyter_mlops as mlops\nimport random\nrandom.seed(0)"),
        params,
    ]
    for i in range(cells):
        # Each cell prints a little, as real cells do: the output notebook grows as it runs.
        nb.cells.append(
            nbformat.v4.new_code_cell(
                f"v{i} = sum(random.random() for _ in range(rows)) * scale\nprint('cell {i}', v{i})"
            )
        )
    # Both sides record the result: plain papermill into a run of its own, ours into the
    # pipeline run the kernel is attached to.
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "run = mlops.active_run() or mlops.start_run('plain papermill')\n"
            f"run.log_metric('total', v{cells - 1})\nrun.end()"
        )
    )
    nbformat.write(nb, str(path))
    return path


def time_it(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--points", type=int, default=4)
    ap.add_argument("--quick", action="store_true", help="40 cells, 1 repeat, 2 sweep points")
    args = ap.parse_args()
    if args.quick:
        args.cells, args.repeat, args.points = 40, 1, 2

    work = Path(tempfile.mkdtemp(prefix="mlops-bench-pipeline-"))
    os.environ["MLOPS_HOME"] = str(work / ".mlops")
    os.environ.pop("MLOPS_TRACKING_URI", None)
    os.environ.pop("MLOPS_BLOB_ROOT", None)
    os.chdir(work)
    warnings.simplefilter("ignore")

    import papermill

    import jupyter_mlops as mlops

    src = make_notebook(work / "bench.ipynb", args.cells)
    mlops.promote_notebook(src, "bench")
    spec = mlops.find_pipeline("bench")
    out = work / "papermill-out.ipynb"

    def plain_papermill():
        papermill.execute_notebook(
            str(spec.notebook_path),
            str(out),
            parameters={"scale": 2.0},
            progress_bar=False,
            cwd=str(work),
        )

    def plain_papermill_nosave():
        papermill.execute_notebook(
            str(spec.notebook_path),
            str(out),
            parameters={"scale": 2.0},
            progress_bar=False,
            request_save_on_cell_execute=False,
            cwd=str(work),
        )

    def ours():
        result = mlops.run_pipeline("bench", {"scale": 2.0}, force=True)
        assert result.ok, result.error

    print(f"notebook: {args.cells + 3} cells, {args.repeat} repeats, median wall time")
    ours()  # warm caches (imports, store creation) for both sides
    # Interleaved, so a change in machine load hits every contender alike.
    t_pm, t_pm_nosave, t_ours = [], [], []
    for _ in range(args.repeat):
        t_pm += time_it(plain_papermill, 1)
        t_pm_nosave += time_it(plain_papermill_nosave, 1)
        t_ours += time_it(ours, 1)
    m_pm, m_nosave, m_ours = map(statistics.median, (t_pm, t_pm_nosave, t_ours))
    print(f"  papermill (default, saves per cell)    {m_pm:7.2f} s")
    print(f"  papermill (request_save_on_cell_execute=False) {m_nosave:7.2f} s")
    print(f"  jupyter mlops pipeline run             {m_ours:7.2f} s")
    ratio = m_ours / m_pm
    print(
        f"  ratio pipeline run / papermill: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%; target <= +10%)"
    )
    print(f"  ratio pipeline run / papermill without per-cell saves: {m_ours / m_nosave:.3f}")

    small = make_notebook(work / "point.ipynb", 5)
    mlops.promote_notebook(small, "point")
    grid = {"scale": [str(1.0 + i) for i in range(args.points)]}
    timings = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        result = mlops.run_sweep("point", grid, workers=workers, force=True, progress=False)
        timings[workers] = time.perf_counter() - t0
        assert result.ok
    print(f"sweep of {args.points} points (each a fresh kernel):")
    print(f"  1 worker   {timings[1]:7.2f} s")
    print(f"  2 workers  {timings[2]:7.2f} s")
    print(f"  speed-up   {timings[1] / timings[2]:.2f}x on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
