"""Target: ``jupyter mlops --help``, ``--version`` and ``runs list`` answer within 2x
the time of ``python -c "import pandas"``.

Each command runs as a fresh subprocess (the way a user or CI calls it) against
a temporary store seeded with a few runs; the wall time of each call is
measured several times and the median printed, next to ``import pandas``
measured in the same run, with the ratio and a verdict. Modules are
byte-compiled once (a warm-up call) as in an installed package.

    python benchmarks/bench_cli.py
    python benchmarks/bench_cli.py --repeat 15
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


def median_walls(cases: dict[str, list[str]], env: dict[str, str], repeat: int) -> dict:
    """Median wall time per case; rounds interleave the cases so that load on a
    shared machine weighs on each of them alike."""
    for cmd in cases.values():
        wall(cmd, env)  # warm the OS file cache and write the byte-code caches
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, cmd in cases.items():
            samples[name].append(wall(cmd, env))
    return {name: statistics.median(times) for name, times in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        # Byte-compiled modules as an installed package has them (this may run with
        # PYTHONDONTWRITEBYTECODE set): cached under a private prefix, for every case.
        env = {**os.environ, "MLOPS_HOME": home, "PYTHONPYCACHEPREFIX": f"{home}/pycache"}
        env.pop("MLOPS_TRACKING_URI", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
        cases = {
            'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
            "jupyter-mlops --help": [str(EXE), "--help"],
            "jupyter-mlops --version": [str(EXE), "--version"],
            "jupyter-mlops runs list": [str(EXE), "runs", "list"],
            "jupyter-mlops experiments list": [str(EXE), "experiments", "list"],
        }
        times = median_walls(cases, env, args.repeat)
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
