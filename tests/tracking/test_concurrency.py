"""Several processes writing into one embedded SQLite store at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from jupyter_mlops.store import metrics as metric_store
from jupyter_mlops.store.schema import MetricChunk

WRITER = """
import sys, jupyter_mlops as mlops
sys.stdin.readline()  # start together
with mlops.start_run(f"writer-{sys.argv[1]}", experiment="concurrency") as run:
    for i in range(10_000):
        mlops.log_metric("m", i)
print(run.id)
"""


@pytest.mark.slow
def test_eight_processes_log_80000_points(store):
    env = {**os.environ, "MLOPS_FLUSH_INTERVAL": "0.2"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(8)
    ]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in results]
    assert not [err for _, err in results if "could not" in err]
    with store.db.session() as s:
        per_run = s.execute(
            select(MetricChunk.run_id, func.sum(MetricChunk.n)).group_by(MetricChunk.run_id)
        ).all()
    total = metric_store.count_points(store)
    assert total == 80_000
    assert sorted(n for _, n in per_run) == [10_000] * 8


def _trace_run_module(frame, event, arg):
    if frame.f_code.co_filename.endswith(os.path.join("tracking", "run.py")):
        return _trace_lines
    return None


def _trace_lines(frame, event, arg):
    time.sleep(0)  # give the other threads the interpreter between every two lines
    return _trace_lines


@pytest.mark.parametrize(("points", "traced"), [(20_000, False), (1_000, True)])
def test_threads_logging_without_step_get_distinct_steps(mlops_home, monkeypatch, points, traced):
    import threading

    import jupyter_mlops as mlops

    monkeypatch.setenv("MLOPS_FLUSH_INTERVAL", "3600")
    run = mlops.start_run("threads")
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        start.wait()
        for i in range(points):
            if i % 2:
                run.log_metric("m", float(n))
            else:
                run.log_metrics({"m": float(n)})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    # A line tracer (as coverage or a debugger installs) that yields the interpreter
    # between any two lines of run.py, so a race in there shows on every run.
    threading.settrace(_trace_run_module if traced else None)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        threading.settrace(None)
    run.end()
    steps = mlops.get_metric_history(run.id, "m")["step"].tolist()
    assert len(steps) == 4 * points
    assert sorted(steps) == list(range(4 * points))
