"""JupyterLab main-area pages in Debian's chromium (Playwright, never its download).

Targets, with 10,000 runs of 20 params and 20 metrics in the store:
- Runs page opened to its first rows drawn: at most 1 s;
- a sort (click on a metric's header) to the re-sorted first row: at most 300 ms;
- a filter (typed, Enter) to the filtered count shown: at most 300 ms;
- the Compare page of 10 runs with 1,000 steps each, to its curves drawn: at most 1 s.

Times are measured in the page (``performance.now()`` around the action, a
MutationObserver for the drawn state), after one warm-up opening of each page so
that the extension's bundles are loaded. The store is seeded by bulk inserts.

    python benchmarks/bench_panel.py [--runs 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import CHROMIUM_FLAGS, chromium_path, running_lab

TARGETS_MS = {"open runs": 1000.0, "sort": 300.0, "filter": 300.0, "compare 10x1000": 1000.0}
N_KEYS = 20


def seed(n: int) -> list[str]:
    """Bulk-insert n finished runs of 20 params and 20 latest metrics; their ids."""
    from sqlalchemy import insert

    from jupyter_mlops.store import get_store
    from jupyter_mlops.store.experiments import get_or_create_experiment
    from jupyter_mlops.store.schema import LatestMetric, Param, Run

    store = get_store()
    rng = random.Random(0)
    now = time.time() - n
    ids = []
    with store.db.session(write=True) as s:
        exp = get_or_create_experiment(s, "bench-panel").experiment_id
        runs, params, metrics = [], [], []
        for i in range(n):
            rid = uuid.uuid4().hex
            ids.append(rid)
            start = now + i
            runs.append(
                {
                    "run_id": rid,
                    "experiment_id": exp,
                    "name": f"run-{i}",
                    "status": "FINISHED",
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
                {"run_id": rid, "key": f"p{k:02d}", "value": str(rng.randint(0, 9))}
                for k in range(N_KEYS)
            ]
            metrics += [
                {
                    "run_id": rid,
                    "key": f"m{k:02d}",
                    "step": 0,
                    "timestamp": start,
                    "value": rng.random(),
                    "is_nan": False,
                }
                for k in range(N_KEYS)
            ]
        for table, rows in ((Run, runs), (Param, params), (LatestMetric, metrics)):
            for k in range(0, len(rows), 5000):
                s.execute(insert(table), rows[k : k + 5000])
    return ids


def seed_curves(run_ids: list[str], steps: int) -> None:
    """``steps`` points of metric m00 for each run, through the core's batch insert."""
    from jupyter_mlops.store import get_store
    from jupyter_mlops.store.metrics import insert_metrics

    t0 = time.time()
    rows = [
        (rid, "m00", step, t0 + step, 1.0 - 1.0 / (step + 1 + j))
        for j, rid in enumerate(run_ids)
        for step in range(steps)
    ]
    insert_metrics(get_store(), rows)


# Runs `action` then resolves with the milliseconds until `done()` is true (checked on DOM changes).
TIMED = """async ([action, done]) => {
  const act = new Function(action), ok = new Function('return (' + done + ')');
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); reject(new Error('timed out: ' + done)); }, 30000);
    act();
  });
  return performance.now() - t0;
}"""

FIRST_ROW = "document.querySelector('.jp-mlops-runs-page [data-index=\"0\"]')"
OPEN_RUNS = "void window.jupyterapp.commands.execute('jupyter-mlops:open-runs', {})"
CLOSE_ALL = "window.jupyterapp.commands.execute('application:close-all')"


def timed(page, action: str, done: str) -> float:
    return page.evaluate(TIMED, [action, done])


def measure(page, ids: list[str], n: int) -> dict[str, float]:
    page.evaluate(CLOSE_ALL)
    page.wait_for_timeout(300)
    out = {"open runs": timed(page, OPEN_RUNS, f"!!{FIRST_ROW} && {FIRST_ROW}.textContent.length")}
    header = "document.querySelector('.jp-mlops-runs-page [role=columnheader][title=\"sort by metrics.m00\"]')"
    before = page.evaluate(f"() => {FIRST_ROW}.textContent")
    out["sort"] = timed(
        page,
        f"{header}.click()",
        f"{header}.getAttribute('aria-sort') === 'ascending' && {FIRST_ROW}"
        f" && {FIRST_ROW}.textContent !== {before!r}",
    )
    box = page.get_by_label("Filter runs")
    box.fill("metrics.m01 > 0.5 and params.p00 = '3'")
    out["filter"] = timed(
        page,
        "document.querySelector('.jp-mlops-runs-page form').requestSubmit()",
        "[...document.querySelectorAll('.jp-mlops-runs-page [aria-live]')]"
        f".some(e => /^\\d+ runs$/.test(e.textContent) && e.textContent !== '{n} runs')",
    )
    page.evaluate("() => performance.clearResourceTimings()")
    compare = f"void window.jupyterapp.commands.execute('jupyter-mlops:compare-runs', {{runIds: {ids!r}}})"
    out["compare 10x1000"] = timed(
        page,
        compare,
        "!!document.querySelector('[aria-label=\"metric curves of the compared runs\"] .main-svg .scatterlayer .trace')",
    )
    # How much of the Compare page's time is its requests (the server's part), the rest is drawing.
    out["compare requests"] = page.evaluate(
        """() => Math.max(0, ...performance.getEntriesByType('resource')
             .filter(e => e.name.includes('/mlops/api/compare'))
             .map(e => e.responseEnd - e.startTime))"""
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not chromium_path():
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mlops-bench-panel-") as tmp:
        base = Path(tmp)
        root = base / "root"
        root.mkdir()
        home = root / ".mlops"
        os.environ["MLOPS_HOME"] = str(home)
        os.environ.pop("MLOPS_TRACKING_URI", None)
        os.environ.pop("MLOPS_BLOB_ROOT", None)
        t0 = time.perf_counter()
        ids = seed(args.runs)
        seed_curves(ids[-10:], args.steps)
        print(
            f"seeded {args.runs} runs x {N_KEYS} params x {N_KEYS} metrics and 10 x {args.steps}"
            f" steps in {time.perf_counter() - t0:.1f} s"
        )
        settings = base / "settings" / "@jupyterlab/apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        env = {
            **os.environ,
            "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        }
        with running_lab(root, base, env) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(lab.page_url())
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
            page.evaluate("() => window.jupyterapp.restored")
            measure(page, ids[-10:], args.runs)  # warm-up: bundles, plotly, the server's caches
            results = [measure(page, ids[-10:], args.runs) for _ in range(args.repeat)]
            browser.close()
    failed = False
    print(f"\n{'step':<18}{'median ms':>10}{'max ms':>10}{'target':>10}  verdict")
    for key, target in [*TARGETS_MS.items(), ("compare requests", None)]:
        values = [r[key] for r in results]
        if target is None:
            med = statistics.median(values)
            print(
                f"{'  of which requests':<18}{med:>10.0f}{max(values):>10.0f}{'':>10}  (slowest API call)"
            )
            continue
        med = statistics.median(values)
        ok = med <= target
        failed |= not ok
        print(
            f"{key:<18}{med:>10.0f}{max(values):>10.0f}{target:>10.0f}  {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
