"""``make demo``: execute every example notebook in order on the embedded store, then
print what was recorded. Run from the project folder; the store is ``./.mlops``."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tqdm.auto import tqdm

from .notebooks import execute_notebook


def main(argv: list[str] | None = None) -> int:
    folder = Path(argv[0] if argv else "example_notebooks").resolve()
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"no example notebooks in {folder}", file=sys.stderr)
        return 1
    out_dir = folder.parent / ".mlops" / "demo-outputs"
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MLOPS_HOME", str(folder.parent / ".mlops"))
    for nb in tqdm(notebooks, desc="example notebooks", unit="nb"):
        started = time.perf_counter()
        execute_notebook(nb, out_dir / nb.name, cwd=folder)
        tqdm.write(
            f"  ran {nb.name} in {time.perf_counter() - started:.1f} s -> {out_dir / nb.name}"
        )
    from . import search_runs

    runs = search_runs(limit=20)
    print(f"\nstore: {os.environ['MLOPS_HOME']}  ({len(search_runs())} runs recorded)")
    cols = [c for c in ["run_id", "name", "experiment", "status"] if c in runs]
    cols += [c for c in runs.columns if c.startswith("metrics.")][:4]
    shown = runs[cols].copy()
    shown["run_id"] = shown["run_id"].str[:8]
    print(shown.to_string(index=False, max_colwidth=30))
    print("\nexplore: .venv/bin/jupyter mlops runs list  |  make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
