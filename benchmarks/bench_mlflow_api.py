"""The same MLflow client workload against our tracking server and against ``mlflow server``.

Workload: one run, 10,000 metric points through ``log_batch`` in batches of
1,000, 100 params and 5 artifacts (through each server's ``mlflow-artifacts``
proxy); then ``search_runs`` over 1,000 runs (created first, not timed; the
best of ``--repeat`` searches). Both servers run here, in subprocesses, over
fresh SQLite stores in a temporary folder. Prints both timings and the ratio
(target >= 5x). ``--profile`` then profiles our core's search over the same
store in this process (the route's work minus HTTP) and prints the top
functions.

    .venv/bin/python benchmarks/bench_mlflow_api.py [--runs 1000] [--points 10000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.returncode}")
        try:
            if requests.get(url + "/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def _start_ours(tmp: Path) -> tuple[str, subprocess.Popen]:
    port = _port()
    env = {**os.environ, "MLOPS_HOME": str(tmp / "ours" / ".mlops")}
    main = "from jupyter_mlops.cli import main; main()"
    cmd = [sys.executable, "-c", main, "tracking-server", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", proc


def _start_mlflow(tmp: Path) -> tuple[str, subprocess.Popen]:
    port = _port()
    db = tmp / "mlflow.db"
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{db}",
        "--artifacts-destination",
        str(tmp / "art"),
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", proc


def _artifacts(tmp: Path) -> list[Path]:
    folder = tmp / "files"
    folder.mkdir(exist_ok=True)
    files = [folder / f"artifact-{i}.txt" for i in range(5)]
    for i, f in enumerate(files):
        f.write_bytes(os.urandom(4096 * (i + 1)))
    return files


def workload(
    uri: str, runs: int, points: int, files: list[Path], repeat: int = 3
) -> dict[str, Any]:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment(f"bench-{time.time_ns()}")
    run = client.create_run(exp)
    rid = run.info.run_id
    now = int(time.time() * 1000)
    t0 = time.perf_counter()
    for start in range(0, points, 1000):
        batch = [Metric("loss", i * 0.001, now + i, i) for i in range(start, start + 1000)]
        client.log_batch(rid, metrics=batch)
    for start in range(0, 100, 100):
        client.log_batch(rid, params=[Param(f"p{i}", str(i)) for i in range(start, start + 100)])
    for f in files:
        client.log_artifact(rid, str(f))
    logging = time.perf_counter() - t0
    for i in range(runs - 1):
        r = client.create_run(exp)
        client.log_batch(
            r.info.run_id, metrics=[Metric("acc", i / runs, now, 0)], params=[Param("i", str(i))]
        )
    search = float("inf")
    for _ in range(repeat):  # best of a few: the machine is shared, the ratio is the figure
        t0 = time.perf_counter()
        found = client.search_runs(
            [exp], "metrics.acc > 0.5", order_by=["metrics.acc DESC"], max_results=1000
        )
        found_all = client.search_runs([exp], max_results=1000)
        search = min(search, time.perf_counter() - t0)
    assert len(found_all) == runs and len(found) > 0
    assert len(client.list_artifacts(rid)) == len(files)
    rows = [r.data.params.get("i") for r in found]  # the filtered page, in its order
    return {"logging": logging, "search": search, "experiment": exp, "rows": rows}


def profile_search(tmp: Path, experiment: str) -> None:
    """cProfile of the search route's work minus HTTP (search, MLflow's JSON shape, encoding)."""
    import cProfile
    import pstats

    os.environ["MLOPS_HOME"] = str(tmp / "ours" / ".mlops")
    from jupyter_mlops.server.mlflow import convert
    from jupyter_mlops.tracking import mlflow_query

    def once() -> None:
        found = mlflow_query.search_summaries(
            [experiment], "metrics.acc > 0.5", ["metrics.acc DESC"], limit=1001
        )
        convert.runs_page([convert.summary_json(r) for r in found], None)
        found = mlflow_query.search_summaries([experiment], limit=1001)
        convert.runs_page([convert.summary_json(r) for r in found], None)

    once()
    t0 = time.perf_counter()
    once()
    print(f"core search (both queries, in-process) {(time.perf_counter() - t0) * 1000:.1f} ms")
    prof = cProfile.Profile()
    prof.runcall(once)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="searches timed (best kept)")
    ap.add_argument("--profile", action="store_true", help="profile our core's search afterwards")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        results = {}
        files = _artifacts(tmp)
        for label, start in (("jupyter-mlops", _start_ours), ("mlflow server", _start_mlflow)):
            uri, proc = start(tmp)
            try:
                _wait(uri, proc)
                results[label] = workload(uri, args.runs, args.points, files, args.repeat)
            finally:
                proc.terminate()
                proc.wait(30)
        for part in ("logging", "search"):
            ours, theirs = results["jupyter-mlops"][part], results["mlflow server"][part]
            print(
                f"{part:8s} jupyter-mlops {ours * 1000:8.1f} ms   mlflow server "
                f"{theirs * 1000:8.1f} ms   ratio {theirs / ours:5.1f}x"
            )
        ours, theirs = results["jupyter-mlops"]["rows"], results["mlflow server"]["rows"]
        print(
            f"search   the filtered page: {len(ours)} runs here, {len(theirs)} from mlflow server,"
            f" same runs in the same order: {'yes' if ours == theirs else 'NO'}"
        )
        if args.profile:
            profile_search(tmp, results["jupyter-mlops"]["experiment"])


if __name__ == "__main__":
    main()
