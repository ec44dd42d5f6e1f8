"""Target: ``jupyter mlops --help``, ``--version`` and ``runs list`` answer within 2x
the time of ``python -c "import pandas"``.

Each command runs as a fresh subprocess (the way a user or CI calls it) against
a temporary store seeded with a few runs; the wall time of each call is
measured several times and the median printed, next to ``import pandas``
measured in the same run, with the ratio and a verdict.

    python benchmarks/bench_cli.py
    python benchmarks/bench_cli.py --repeat 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 2.0
EXE = Path(sys.executable).parent / "jupyter-mlops"
SEED = """
import jupyter_mlops as mlops
for i in range(20):
    with mlops.start_run(f"r{i}", experiment="bench", params={"C": i}):
        mlops.log_metric("roc_auc", i / 20)
"""


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return elapsed


def median_wall(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    wall(cmd, env)  # warm the OS file cache and .pyc files
    return statistics.median(wall(cmd, env) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "MLOPS_HOME": home}
        env.pop("MLOPS_TRACKING_URI", None)
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
        cases = {
            'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
            "jupyter-mlops --help": [str(EXE), "--help"],
            "jupyter-mlops --version": [str(EXE), "--version"],
            "jupyter-mlops runs list": [str(EXE), "runs", "list"],
            "jupyter-mlops experiments list": [str(EXE), "experiments", "list"],
        }
        times = {name: median_wall(cmd, env, args.repeat) for name, cmd in cases.items()}
    base = times['python -c "import pandas"']
    print(f"median of {args.repeat} subprocess calls (wall time)")
    ok = True
    for name, seconds in times.items():
        ratio = seconds / base
        judged = name.endswith(("--help", "--version", "runs list"))
        verdict = ""
        if judged:
            verdict = "ok" if ratio <= TARGET_RATIO else f"SLOW (target <= {TARGET_RATIO}x)"
            ok &= ratio <= TARGET_RATIO
        print(f"  {name:34} {seconds * 1000:8.0f} ms  {ratio:5.2f}x pandas  {verdict}")
    print("verdict:", "within target" if ok else "over target")


if __name__ == "__main__":
    main()
