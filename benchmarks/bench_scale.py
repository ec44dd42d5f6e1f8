"""Data past one machine's memory: a Parquet data set snapshotted by reference (issue 20).

Targets:
- snapshot by reference of a 10M-row x 20-column Parquet data set (written
  here, 10 numeric and 10 categorical columns, files of 1M rows): peak RSS
  at most 500 MB and at most 2x the time of one ``pyarrow.dataset`` scan of the
  same files, measured in the same run (the ratio is printed);
- the same on a local Dask cluster of 2 worker processes of 1 thread each, warmed
  (modules imported) before the timing (speed-up printed);
- validate and drift of a new 1M-row partition against it: at most 2 s.

Each step runs in a fresh process so its peak RSS is its own.

    python benchmarks/bench_scale.py [--rows N] [--quick] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FILE_ROWS = 1_000_000

PEAK = r"""
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
"""

SCAN = (
    PEAK
    + r"""
import json, sys, time
import pyarrow.dataset as ds
t0 = time.perf_counter()
rows = sum(b.num_rows for b in ds.dataset(sys.argv[1], format="parquet").to_batches())
print(json.dumps({"time": time.perf_counter() - t0, "rows": rows, "peak_mb": peak_mb()}))
"""
)

SNAPSHOT = (
    PEAK
    + r"""
import json, sys, time
import jupyter_mlops as mlops
cluster = None
if sys.argv[3] != "0":
    from distributed import Client, LocalCluster
    lc = LocalCluster(n_workers=int(sys.argv[3]), threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit="1GB")
    cluster = Client(lc)
    # a running cluster has its modules imported: warm the workers outside the timing
    cluster.run(lambda: __import__("jupyter_mlops.data.dask_source"))
    assert set(cluster.nthreads().values()) == {1}, cluster.nthreads()
t0 = time.perf_counter()
info = mlops.snapshot(sys.argv[1], sys.argv[2], keep="reference", cluster=cluster)
t = time.perf_counter() - t0
print(json.dumps({"time": t, "rows": info.n_rows, "ref": info.ref, "peak_mb": peak_mb(),
                  "fingerprint": info.fingerprint}))
"""
)

CHECK = r"""
import json, sys, time
import pyarrow.parquet as pq
import jupyter_mlops as mlops
new = pq.read_table(sys.argv[1])
t0 = time.perf_counter(); v = mlops.validate(new, against=sys.argv[2]); tv = time.perf_counter() - t0
t0 = time.perf_counter(); d = mlops.drift(sys.argv[2], new); td = time.perf_counter() - t0
print(json.dumps({"validate": tv, "drift": td, "ok": v.ok, "drifted": d.drifted_columns}))
"""


def make_table(rows: int, seed: int, shift: float = 0.0) -> pa.Table:
    rng = np.random.default_rng(seed)
    cats = np.array([f"cat_{i}" for i in range(12)])
    cols = {f"n{i}": rng.normal(10 * i + (shift if i < 3 else 0), 1.0, rows) for i in range(10)}
    cols.update({f"c{i}": pa.array(cats[rng.integers(0, 12, rows)]) for i in range(10)})
    return pa.table(cols)


def write_dataset(folder: Path, rows: int) -> int:
    folder.mkdir()
    for i, start in enumerate(range(0, rows, FILE_ROWS)):
        n = min(FILE_ROWS, rows - start)
        pq.write_table(make_table(n, i), folder / f"part-{i:04d}.parquet", row_group_size=250_000)
    return sum(f.stat().st_size for f in folder.iterdir())


def run(code: str, *args: str, env: dict) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=1800
    )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--quick", action="store_true", help="about 1M rows")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if args.quick:
        args.rows = 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, MLOPS_HOME=str(tmp_path / ".mlops"), TQDM_DISABLE="1")
        env.pop("MLOPS_TRACKING_URI", None)
        env.pop("MLOPS_BLOB_ROOT", None)
        print(f"writing {args.rows:,} rows x 20 columns ...", flush=True)
        size = write_dataset(tmp_path / "events", args.rows)
        pq.write_table(make_table(1_000_000, 99, shift=0.5), tmp_path / "new.parquet")
        data = str(tmp_path / "events")
        scan = run(SCAN, data, env=env)
        local = run(SNAPSHOT, data, "events", "0", env=env)
        dist = run(SNAPSHOT, data, "events_cluster", str(args.workers), env=env)
        check = run(CHECK, str(tmp_path / "new.parquet"), local["ref"], env=env)
        load = os.getloadavg()[0]
        print(
            f"\n== {args.rows:,} rows x 20 columns, {size / 2**20:.0f} MB of Parquet "
            f"(load average {load:.1f} on {os.cpu_count()} cores)"
        )
        print(
            f"{'one pyarrow.dataset scan':<46} {scan['time']:7.2f} s  peak {scan['peak_mb']:.0f} MB"
        )
        ratio = local["time"] / scan["time"]
        print(
            f"{'snapshot by reference':<46} {local['time']:7.2f} s  = {ratio:.2f}x the scan "
            f"[target 2x: {verdict(ratio <= 2)}]"
        )
        print(
            f"{'  peak RSS of its process':<46} {local['peak_mb']:7.0f} MB "
            f"[target 500 MB: {verdict(local['peak_mb'] <= 500)}]"
        )
        same = dist["fingerprint"] == local["fingerprint"]
        print(
            f"{f'on a local Dask cluster ({args.workers} worker processes)':<46} "
            f"{dist['time']:7.2f} s  speed-up {local['time'] / dist['time']:.2f}x "
            f"(client peak {dist['peak_mb']:.0f} MB; same fingerprint: {same})"
        )
        if (os.cpu_count() or 1) <= args.workers:
            print(
                f"  (the single-machine path already keeps {os.cpu_count()} cores busy: "
                "a cluster on the same cores cannot be much faster)"
            )
        worst = max(check["validate"], check["drift"])
        print(
            f"{'validate a new 1M-row partition':<46} {check['validate']:7.2f} s "
            f"[target 2 s: {verdict(check['validate'] <= 2)}]"
        )
        print(
            f"{'drift of it against the snapshot':<46} {check['drift']:7.2f} s "
            f"[target 2 s: {verdict(worst <= 2)}]  drifted {check['drifted']}"
        )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\n(benchmark took {time.perf_counter() - t0:.0f} s)")
