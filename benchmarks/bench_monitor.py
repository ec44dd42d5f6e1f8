"""Production monitoring: monitor runs and batch scoring against their targets.

bench_monitor_run: ``monitor run`` over 100 windows of 10,000 rows x 20
columns (a quarter shifted) in at most 1 s: a check reads each window's
stored profile and the reference's, never the rows.

bench_batch_predict: ``mlops.predict`` of a 1M-row x 20-column Parquet file
(chunks of 100,000 rows, inference log on) against the model's own work on
the same file, measured in the same run: one ``pq.read_table``, one
``model.predict`` on the whole frame and one ``pq.write_table``. Target: at
most 1.5x. Each is run ``--repeat`` times, alternated, and the medians compared. Each step runs in a fresh process so its peak RSS (VmHWM) is its
own; batch scoring's peak should follow the chunk size, not the file size.

    python benchmarks/bench_monitor.py [--rows 1000000] [--model hgb|linear]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PEAK = r"""
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
"""

SETUP = r"""
import sys
import numpy as np, pandas as pd
import jupyter_mlops as mlops
rows, kind, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = np.random.default_rng(0)
X = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(20)})
y = X.x0 + 2 * X.x1 - X.x2 * X.x3 + rng.normal(scale=0.1, size=rows)
if kind == "hgb":
    from sklearn.ensemble import HistGradientBoostingRegressor
    model = HistGradientBoostingRegressor(max_iter=50, random_state=0).fit(X[:50_000], y[:50_000])
else:
    from sklearn.linear_model import LinearRegression
    model = LinearRegression().fit(X[:50_000], y[:50_000])
mlops.register_model("bench", model)
mlops.set_alias("bench", "production", 1)
X.to_parquet(path, row_group_size=100_000)
"""

BASELINE = (
    PEAK
    + r"""
import json, sys, time
import pyarrow as pa, pyarrow.parquet as pq
import jupyter_mlops as mlops
model = mlops.load_model("bench/1")
t0 = time.perf_counter()
table = pq.read_table(sys.argv[1])
frame = table.to_pandas()
pred = model.predict(frame)
pq.write_table(table.append_column("prediction", pa.array(pred)), sys.argv[2])
print(json.dumps({"time": time.perf_counter() - t0, "peak_mb": peak_mb()}))
"""
)

BATCH = (
    PEAK
    + r"""
import json, sys, time
import jupyter_mlops as mlops
mlops.load_model("bench/1")  # the same imports and model load as the baseline, outside the timing
t0 = time.perf_counter()
res = mlops.predict("bench@production", sys.argv[1], sys.argv[2], chunk_rows=int(sys.argv[3]),
                    log=sys.argv[4] == "1", progress=False)
print(json.dumps({"time": time.perf_counter() - t0, "peak_mb": peak_mb(), "rows": res.rows,
                  "windows": len(res.window_ids)}))
"""
)


def run(code: str, *args: str, env: dict) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=1800
    )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    lines = res.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def _median_of(runs: list[dict]) -> dict:
    """The run of median time (its own peak), with the spread of the times."""
    ordered = sorted(runs, key=lambda r: r["time"])
    mid = dict(ordered[len(ordered) // 2])
    mid["spread"] = (ordered[0]["time"], ordered[-1]["time"])
    return mid


def bench_batch_predict(rows: int = 1_000_000, model: str = "hgb", repeat: int = 3) -> bool:
    """Batch predict vs read + predict + write (alternated, medians); True when within 1.5x."""
    configs = [
        ("mlops.predict, chunks of 100k, logged", "100000", "1"),
        ("mlops.predict, chunks of 100k, --no-log", "100000", "0"),
        ("mlops.predict, chunks of 25k, logged", "25000", "1"),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, MLOPS_HOME=str(tmp_path / ".mlops"), TQDM_DISABLE="1")
        env.pop("MLOPS_TRACKING_URI", None)
        env.pop("MLOPS_BLOB_ROOT", None)
        data = str(tmp_path / "in.parquet")
        run(SETUP, str(rows), model, data, env=env)
        size = os.path.getsize(data) / 2**20
        times: dict[str, list[dict]] = {"base": [], **{c[0]: [] for c in configs}}
        for _ in range(repeat):
            times["base"].append(run(BASELINE, data, str(tmp_path / "base.parquet"), env=env))
            for label, chunk, log in configs:
                out = str(tmp_path / "out.parquet")
                times[label].append(run(BATCH, data, out, chunk, log, env=env))
    load = os.getloadavg()[0]
    base = _median_of(times["base"])
    print(f"\n== batch predict: {rows:,} rows x 20 columns ({size:.0f} MB Parquet), "
          f"model {model}, medians of {repeat} alternated runs "
          f"(load average {load:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    print(f"{'read + model.predict + write (whole file)':<48} {base['time']:7.2f} s  "
          f"peak {base['peak_mb']:5.0f} MB  [{base['spread'][0]:.2f}-{base['spread'][1]:.2f}]")  # fmt: skip
    for label, _, _ in configs:
        r = _median_of(times[label])
        print(f"{label:<48} {r['time']:7.2f} s  peak {r['peak_mb']:5.0f} MB  "
              f"({r['time'] / base['time']:.2f}x, {r.get('windows', 0)} windows)  "
              f"[{r['spread'][0]:.2f}-{r['spread'][1]:.2f}]")  # fmt: skip
    ratio = _median_of(times[configs[0][0]])["time"] / base["time"]
    ok = ratio <= 1.5
    print(f"target: logged batch predict at most 1.5x: {ratio:.2f}x {'ok' if ok else 'MISSED'}")
    return ok


MONITOR_TARGET_SECONDS = 1.0


def _monitor_windows(n_windows: int, n_rows: int, n_columns: int) -> None:
    """A model, its reference snapshot and ``n_windows`` closed windows, a quarter of them shifted.

    Written with the store functions directly (a Parquet and a profile blob,
    then the window row), so the setup takes seconds, not a served day.
    """
    import io
    import secrets
    import time

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.linear_model import LinearRegression

    import jupyter_mlops as mlops
    from jupyter_mlops.data.profile import profile_table
    from jupyter_mlops.store import monitoring as monitor_store

    rng = np.random.default_rng(0)
    names = [f"x{i}" for i in range(n_columns)]
    train = pd.DataFrame(rng.normal(size=(n_rows, n_columns)), columns=names)
    model = LinearRegression().fit(train, train.sum(axis=1))
    mlops.register_model("watched", model)
    mlops.set_alias("watched", "production", 1)
    mlops.snapshot(train, "train", run=False)
    store = mlops.get_store()
    start = time.time() - n_windows * 60
    for i in range(n_windows):
        shift = 1.0 if i % 4 == 3 else 0.0
        frame = pd.DataFrame(rng.normal(shift, 1, size=(n_rows, n_columns)), columns=names)
        frame["prediction"] = model.predict(frame[names])
        table = pa.Table.from_pandas(frame, preserve_index=False)
        buf = io.BytesIO()
        pq.write_table(table, buf)
        data = store.blobs.put_bytes(buf.getvalue()).digest
        profile = store.blobs.put_bytes(profile_table(table).to_bytes()).digest
        window = monitor_store.WindowInfo(
            f"{i:016x}{secrets.token_hex(8)}", "watched", 1, "production", "serve",
            start + 60 * i, start + 60 * (i + 1), n_rows, 0, 1.0, data, profile,
            (*names, "prediction"),
        )  # fmt: skip
        monitor_store.write_window(store, window, [])
    mlops.monitor("watched", model="watched@production", reference="train@latest")


def bench_monitor_run(n_windows: int = 100, n_rows: int = 10_000, n_columns: int = 20) -> bool:
    """``monitor run`` over ``n_windows`` distinct windows; True when within 1 s."""
    import time

    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        os.environ["MLOPS_HOME"] = str(Path(tmp) / ".mlops")
        os.environ.pop("MLOPS_TRACKING_URI", None)
        os.environ.pop("MLOPS_BLOB_ROOT", None)
        import jupyter_mlops as mlops

        t = time.perf_counter()
        _monitor_windows(n_windows, n_rows, n_columns)
        setup = time.perf_counter() - t
        t = time.perf_counter()
        result = mlops.run_monitor("watched")
        seconds = time.perf_counter() - t
        t = time.perf_counter()
        mlops.monitor_history("watched").figure()
        figure = time.perf_counter() - t
    ok = seconds <= MONITOR_TARGET_SECONDS
    print(f"\n== monitor run: {len(result.checks)} windows of {n_rows:,} rows x {n_columns} columns "
          f"(setup through the store functions {setup:.1f} s)")  # fmt: skip
    print(f"{'monitor run (profiles only, no rows read)':<48} {seconds:7.3f} s  "
          f"({len(result.alerts)} windows alerting)")  # fmt: skip
    print(f"{'monitor_history + figure':<48} {figure:7.3f} s")
    print(f"target: monitor run at most {MONITOR_TARGET_SECONDS:.0f} s: "
          f"{seconds:.3f} s {'ok' if ok else 'MISSED'}")  # fmt: skip
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--model", choices=("hgb", "linear"), default="hgb")
    ap.add_argument("--repeat", type=int, default=3, help="alternated runs of each; medians")
    args = ap.parse_args()
    parts = [bench_monitor_run, lambda: bench_batch_predict(args.rows, args.model, args.repeat)]
    results = [part() for part in parts]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
