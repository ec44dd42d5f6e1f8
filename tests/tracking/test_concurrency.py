"""Several processes writing into one embedded SQLite store at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from jupyter_mlops.store.schema import Metric

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
        total = s.execute(select(func.count()).select_from(Metric)).scalar()
        per_run = s.execute(select(Metric.run_id, func.count()).group_by(Metric.run_id)).all()
    assert total == 80_000
    assert sorted(n for _, n in per_run) == [10_000] * 8
