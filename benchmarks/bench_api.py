"""Target: ``GET /mlops/api/runs`` answers a page in <= 100 ms with 10,000 runs in the store.

Seeds N runs (bulk insert: each with 3 params, 2 latest metrics and a tag) in a
temporary store, starts a real jupyter_server with the extension on loopback,
then times page requests over HTTP: the first page, a page sorted by a metric,
a filtered page and a deep page. Prints median and p95 per query and a verdict.

    python benchmarks/bench_api.py            # 10,000 runs
    python benchmarks/bench_api.py --runs 2000 --repeat 10
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

TARGET_MS = 100.0


def seed(n: int) -> None:
    """Bulk-insert n finished runs into the store of MLOPS_HOME (one transaction)."""
    from sqlalchemy import insert
    from tqdm import tqdm

    from jupyter_mlops.store import get_store
    from jupyter_mlops.store.experiments import get_or_create_experiment
    from jupyter_mlops.store.schema import LatestMetric, Param, Run, Tag

    store = get_store()
    rng = random.Random(0)
    now = time.time() - n
    with store.db.session(write=True) as s:
        exps = [get_or_create_experiment(s, f"exp-{i}").experiment_id for i in range(5)]
        runs, params, metrics, tags = [], [], [], []
        for i in tqdm(range(n), desc="seeding runs", unit="run"):
            rid = uuid.uuid4().hex
            start = now + i
            runs.append(
                {
                    "run_id": rid,
                    "experiment_id": exps[i % 5],
                    "name": f"run-{i}",
                    "status": "FINISHED" if i % 10 else "FAILED",
                    "start_time": start,
                    "end_time": start + 0.5,
                    "heartbeat_at": start + 0.5,
                    "user": "bench",
                    "host": "bench",
                    "pid": 1,
                    "source_type": "notebook",
                    "source_path": "bench.ipynb",
                    "context": {},
                }
            )
            params += [
                {"run_id": rid, "key": "model", "value": rng.choice(["rf", "lr", "gb"])},
                {"run_id": rid, "key": "lr", "value": str(rng.choice([0.1, 0.01, 0.001]))},
                {"run_id": rid, "key": "seed", "value": str(i)},
            ]
            for key in ("acc", "loss"):
                metrics.append(
                    {
                        "run_id": rid,
                        "key": key,
                        "step": 9,
                        "timestamp": start,
                        "value": rng.random(),
                        "is_nan": False,
                    }
                )
            tags.append({"run_id": rid, "key": "team", "value": rng.choice(["a", "b"])})
        for table, rows in ((Run, runs), (Param, params), (LatestMetric, metrics), (Tag, tags)):
            for k in range(0, len(rows), 5000):
                s.execute(insert(table), rows[k : k + 5000])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str) -> tuple[float, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
    return (time.perf_counter() - t0) * 1000, json.loads(body)


def wait_ready(url: str, token: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("jupyter server exited early")
        try:
            get(url, token)
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit("jupyter server did not answer")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=30, help="requests per query")
    ap.add_argument("--page", type=int, default=50, help="runs per page")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlops-bench-api-") as tmp:
        home = Path(tmp) / ".mlops"
        os.environ["MLOPS_HOME"] = str(home)
        os.environ.pop("MLOPS_TRACKING_URI", None)
        os.environ.pop("MLOPS_BLOB_ROOT", None)
        t0 = time.perf_counter()
        seed(args.runs)
        print(f"seeded {args.runs} runs in {time.perf_counter() - t0:.1f} s")

        port, token = free_port(), uuid.uuid4().hex
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={tmp}",
                "--ServerApp.jpserver_extensions={'jupyter_mlops': True}",
                *(["--allow-root"] if os.geteuid() == 0 else []),
            ],
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(Path(tmp) / "runtime")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}/mlops/api/"
            wait_ready(base + "settings", token, proc)
            queries = {
                "first page": f"runs?limit={args.page}",
                "sorted by metric": f"runs?limit={args.page}&order_by=metrics.acc+DESC",
                "filtered": f"runs?limit={args.page}&filter=params.model+%3D+%27rf%27+and+metrics.acc+%3E+0.5",
                "deep page": f"runs?limit={args.page}&offset={max(0, args.runs - 2 * args.page)}",
            }
            worst = 0.0
            print(f"\n{'query':<18} {'median ms':>10} {'p95 ms':>8}  rows  total")
            for label, path in queries.items():
                get(base + path, token)  # warm-up
                times, body = [], {}
                for _ in range(args.repeat):
                    ms, body = get(base + path, token)
                    times.append(ms)
                times.sort()
                med = statistics.median(times)
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                worst = max(worst, med)
                print(
                    f"{label:<18} {med:>10.1f} {p95:>8.1f}  {len(body['runs']):>4}  {body['total']}"
                )
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    try:
        import mlflow  # noqa: F401

        print("\npeer: mlflow is importable but its server is not benchmarked here")
    except ImportError:
        print("\npeer: mlflow is not installed; no ratio to report")
    verdict = "PASS" if worst <= TARGET_MS else "FAIL"
    print(
        f"target: a page in <= {TARGET_MS:.0f} ms (median); worst median {worst:.1f} ms: {verdict}"
    )
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
