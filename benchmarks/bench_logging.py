"""Per-point cost of metric logging, call by call and in batches, against MLflow's SQLite store.

Targets: <= 20 us per point call by call, <= 5 us per point in batch, both
including the database write (the run is ended, so every point is flushed).

MLflow is never a dependency of the package: the same work is measured with
MlflowClient on a SQLite store in a temporary folder, in the same run, with the
ratio printed, by the python in MLFLOW_PYTHON, else by this python when it can
import mlflow (the test extra installs it in .venv). The issue's targets: the
batch path at least 100x MLflow's ``log_batch``.

``--profile`` runs the batch path under cProfile and prints where the time goes.

    python benchmarks/bench_logging.py [--points N] [--profile]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile

OURS = """
import os, sys, time, json
import jupyter_mlops as mlops
n = int(sys.argv[1]); keys = 100
mlops.start_run("warmup").end()
run = mlops.start_run("call-by-call")
t0 = time.perf_counter()
for i in range(n):
    run.log_metric("loss", 1.0 / (i + 1))
run.end()
call = (time.perf_counter() - t0) / n
run = mlops.start_run("batch")
batch = {f"m{k}": float(k) for k in range(keys)}
profile = None
if os.environ.get("BENCH_PROFILE"):
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
t0, c0 = time.perf_counter(), time.process_time()
for step in range(n // keys):
    run.log_metrics(batch, step=step)
run.end()
batched = (time.perf_counter() - t0) / n
batch_cpu = (time.process_time() - c0) / n
if profile is not None:
    import pstats
    profile.disable()
    pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(15)
print(json.dumps({"call": call, "batch": batched, "batch_cpu": batch_cpu}))
"""

MLFLOW = """
import os, sys, time, json, logging
logging.disable(logging.WARNING)
import mlflow
from mlflow.entities import Metric
n = int(sys.argv[1]); nb = int(sys.argv[3]); keys = 100
mlflow.set_tracking_uri("sqlite:///" + os.path.join(sys.argv[2], "mlflow.db"))
client = mlflow.MlflowClient()
with mlflow.start_run():
    mlflow.log_metric("warm", 1.0)
with mlflow.start_run() as run:
    t0 = time.perf_counter()
    for i in range(n):
        mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
call = (time.perf_counter() - t0) / n
with mlflow.start_run() as run:
    t0, c0 = time.perf_counter(), time.process_time()
    ts = int(time.time() * 1000)
    for step in range(nb // keys):
        client.log_batch(run.info.run_id, metrics=[Metric(f"m{k}", float(k), ts, step) for k in range(keys)])
batched = (time.perf_counter() - t0) / nb
batch_cpu = (time.process_time() - c0) / nb
print(json.dumps({"call": call, "batch": batched, "batch_cpu": batch_cpu}))
"""


def measure(
    python: str, code: str, points: int, env: dict[str, str], *extra: str, show: bool = False
) -> dict[str, float]:
    proc = subprocess.run(
        [python, "-c", code, str(points), *extra],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    if show:
        print(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mlflow_python() -> str | None:
    if os.environ.get("MLFLOW_PYTHON"):
        return os.environ["MLFLOW_PYTHON"]
    return sys.executable if importlib.util.find_spec("mlflow") is not None else None


def _ours(points: int, profile: bool) -> dict[str, float]:
    env = {"BENCH_PROFILE": "1"} if profile else {}
    with tempfile.TemporaryDirectory() as tmp:
        env["MLOPS_HOME"] = os.path.join(tmp, ".mlops")
        return measure(sys.executable, OURS, points, env, show=profile)


def _theirs(python: str, points: int, batch_points: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return measure(python, MLFLOW, points, {}, tmp, str(batch_points))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument(
        "--mlflow-points", type=int, default=2_000, help="MLflow is slow call by call"
    )
    parser.add_argument("--mlflow-batch-points", type=int, default=20_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="ours and MLflow alternate; medians are printed"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the batch path")
    args = parser.parse_args()
    mlflow_python = _mlflow_python()
    runs: list[dict[str, float]] = []
    peer: list[dict[str, float]] = []
    for i in range(max(args.repeat, 1)):
        runs.append(_ours(args.points, args.profile and i == 0))
        if mlflow_python:
            peer.append(_theirs(mlflow_python, args.mlflow_points, args.mlflow_batch_points))
    ours = {k: statistics.median(r[k] for r in runs) for k in ("call", "batch")}
    print(f"medians of {len(runs)} alternating runs")
    print(f"jupyter-mlops  call by call: {ours['call'] * 1e6:8.2f} us/point  (target <= 20)")
    print(f"jupyter-mlops  batch:        {ours['batch'] * 1e6:8.2f} us/point  (target <= 5)")
    if not mlflow_python:
        print(
            "mlflow: not measured (set MLFLOW_PYTHON to a python with mlflow installed);"
            " reference from the issue: 2,431 us/point call by call, 86 us/point log_batch"
        )
        return
    theirs = {k: statistics.median(r[k] for r in peer) for k in ("call", "batch")}
    batch_ratio = statistics.median(t["batch"] / o["batch"] for o, t in zip(runs, peer))
    print(
        f"mlflow (SQLite) call by call: {theirs['call'] * 1e6:8.2f} us/point"
        f"  -> {theirs['call'] / ours['call']:.0f}x slower than ours"
    )
    print(
        f"mlflow (SQLite) log_batch:    {theirs['batch'] * 1e6:8.2f} us/point"
        f"  -> {theirs['batch'] / ours['batch']:.0f}x slower than ours"
        f" (median of per-run ratios {batch_ratio:.0f}x; target >= 100x)"
    )
    cpu = statistics.median(t["batch_cpu"] / o["batch_cpu"] for o, t in zip(runs, peer))
    print(
        f"  CPU time per point (less load-dependent): ours"
        f" {statistics.median(r['batch_cpu'] for r in runs) * 1e6:.2f} us, MLflow"
        f" {statistics.median(r['batch_cpu'] for r in peer) * 1e6:.2f} us -> {cpu:.0f}x"
    )


if __name__ == "__main__":
    main()
