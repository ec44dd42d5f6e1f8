"""``make demo``: execute every example notebook in order on the embedded store, export
each to an HTML page with its figures, then summarise what the store now holds.
Run from the project folder; the store is ``./.mlops``."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tqdm.auto import tqdm

from .notebooks import execute_notebook


def run_examples(folder: Path, out_dir: Path) -> list[Path]:
    """Execute the numbered notebooks of ``folder``; each executed copy is also written as HTML."""
    from .widgets import export_html

    pages = []
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    for nb in tqdm(notebooks, desc="example notebooks", unit="nb"):
        started = time.perf_counter()
        executed = execute_notebook(nb, out_dir / nb.name, cwd=folder)
        pages.append(export_html(executed, (out_dir / nb.name).with_suffix(".html")))
        tqdm.write(f"  ran {nb.name} in {time.perf_counter() - started:.1f} s")
    return pages


def summary() -> list[str]:
    """A few lines per part of the store: runs by experiment, snapshots, models, pipelines, monitors."""
    import jupyter_mlops as mlops

    runs = mlops.search_runs()
    lines = [f"runs: {len(runs)}"]
    for experiment, group in runs.groupby("experiment", sort=False):
        counts = sorted(group["status"].value_counts().items(), key=lambda sn: (-sn[1], sn[0]))
        states = ", ".join(f"{n} {s.lower()}" for s, n in counts)
        lines.append(f"  {experiment:<16} {states}")
    snapshots = mlops.list_snapshots()
    lines.append(f"snapshots: {', '.join(s.ref for s in snapshots) or 'none'}")
    models = mlops.list_models()
    for model in models.to_dict("records"):
        aliases = model["aliases"] or "no aliases"
        lines.append(f"model {model['name']}: {model['latest_version']} versions, {aliases}")
    pipelines = mlops.list_pipelines()
    lines.append(f"pipelines: {', '.join(p.name for p in pipelines) or 'none'}")
    monitors = [
        f"{m.name} ({m.model}, {m.n_checks} windows checked, {m.n_alerts} alerts)"
        for m in mlops.list_monitors()
    ]
    if monitors:
        lines.append(f"monitors: {', '.join(monitors)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    folder = Path(argv[0] if argv else "example_notebooks").resolve()
    if not any(folder.glob("[0-9][0-9]_*.ipynb")):
        print(f"no example notebooks in {folder}", file=sys.stderr)
        return 1
    out_dir = folder.parent / ".mlops" / "demo-outputs"
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MLOPS_HOME", str(folder.parent / ".mlops"))
    pages = run_examples(folder, out_dir)
    print(f"\nstore: {os.environ['MLOPS_HOME']}")
    print("\n".join(summary()))
    print(f"\nexecuted notebooks, with their figures, as HTML pages in {out_dir}:")
    print("\n".join(f"  {page.name}" for page in pages))
    print("\nexplore: .venv/bin/jupyter mlops runs list  |  make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
