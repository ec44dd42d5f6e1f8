"""Per-point cost of metric logging, call by call and in batches, against MLflow's SQLite store.

Targets: <= 20 us per point call by call, <= 5 us per point in batch, both
including the database write (the run is ended, so every point is flushed).

MLflow is never a dependency: set MLFLOW_PYTHON to a python that can import
mlflow (e.g. a separate venv: python -m venv /tmp/mlf && /tmp/mlf/bin/pip install mlflow)
and the same work is measured there, in the same run, with the ratio printed.

    python benchmarks/bench_logging.py [--points N]
"""

from __future__ import annotations

import argparse
import json
import os
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
t0 = time.perf_counter()
for step in range(n // keys):
    run.log_metrics(batch, step=step)
run.end()
batched = (time.perf_counter() - t0) / n
print(json.dumps({"call": call, "batch": batched}))
"""

MLFLOW = """
import os, sys, time, json, logging
logging.disable(logging.WARNING)
import mlflow
from mlflow.entities import Metric
n = int(sys.argv[1]); keys = 100
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
    t0 = time.perf_counter()
    ts = int(time.time() * 1000)
    for step in range(n // keys):
        client.log_batch(run.info.run_id, metrics=[Metric(f"m{k}", float(k), ts, step) for k in range(keys)])
batched = (time.perf_counter() - t0) / n
print(json.dumps({"call": call, "batch": batched}))
"""


def measure(
    python: str, code: str, points: int, env: dict[str, str], *extra: str
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
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument(
        "--mlflow-points", type=int, default=2_000, help="MLflow is slow call by call"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours = measure(
            sys.executable, OURS, args.points, {"MLOPS_HOME": os.path.join(tmp, ".mlops")}
        )
    print(f"jupyter-mlops  call by call: {ours['call'] * 1e6:8.2f} us/point  (target <= 20)")
    print(f"jupyter-mlops  batch:        {ours['batch'] * 1e6:8.2f} us/point  (target <= 5)")
    mlflow_python = os.environ.get("MLFLOW_PYTHON")
    if not mlflow_python:
        print(
            "mlflow: not measured (set MLFLOW_PYTHON to a python with mlflow installed);"
            " reference from the issue: 2,431 us/point call by call, 86 us/point log_batch"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        theirs = measure(mlflow_python, MLFLOW, args.mlflow_points, {}, tmp)
    print(
        f"mlflow (SQLite) call by call: {theirs['call'] * 1e6:8.2f} us/point"
        f"  -> {theirs['call'] / ours['call']:.0f}x slower than ours"
    )
    print(
        f"mlflow (SQLite) log_batch:    {theirs['batch'] * 1e6:8.2f} us/point"
        f"  -> {theirs['batch'] / ours['batch']:.0f}x slower than ours"
    )
    print(
        "the issue's targets as ratios to MLflow on its machine:"
        f" call by call >= {2431 / 20:.0f}x, batch >= {86 / 5:.0f}x"
    )


if __name__ == "__main__":
    main()
