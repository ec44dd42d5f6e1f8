"""Sweeps: a grid of parameter points, each its own run under one parent run.

Points run in parallel worker processes (``workers``), or on an existing Dask
distributed cluster (``cluster="tcp://host:8786"``, the optional ``cluster``
extra). Every worker records into the same store, so on a cluster the store
must be one every machine reaches (PostgreSQL through ``MLOPS_TRACKING_URI``,
blobs on a shared fsspec URL); the parent passes its store settings to each
point explicitly.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from .. import config
from ..errors import InvalidArgument
from ..store import get_store
from ..store.entities import RunStatus
from ..tracking.api import start_run
from .params import check_values
from .runner import PipelineResult, prepare, run_pipeline
from .spec import PipelineSpec


@dataclass(frozen=True)
class SweepResult:
    pipeline: str
    parent_run_id: str
    points: tuple[PipelineResult, ...]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.points)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """(headers, rows): one row per point with its parameters, status and metrics."""
        keys = sorted({k for p in self.points for k in p.params if self._varies(k)})
        metrics = sorted({m for p in self.points for m in p.metrics})
        headers = ["run", *keys, "status", *metrics]
        rows = []
        for p in self.points:
            status = p.status.value if p.gates_passed else f"{p.status.value} (gate)"
            rows.append(
                [p.run_id[:8], *(p.params.get(k) for k in keys), status]
                + [p.metrics.get(m) for m in metrics]
            )
        return headers, rows

    def _varies(self, key: str) -> bool:
        return len({repr(p.params.get(key)) for p in self.points}) > 1


def parse_sweep(items: Sequence[str]) -> dict[str, list[str]]:
    """``["alpha=0.1,0.5", "depth=2,4"]`` -> ``{"alpha": ["0.1", "0.5"], "depth": ["2", "4"]}``."""
    grid: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        parts = [v.strip() for v in values.split(",")] if sep else []
        if not name or not parts or any(v == "" for v in parts):
            raise InvalidArgument("sweep", "NAME=V1,V2,... with no empty value", item)
        if name in grid:
            raise InvalidArgument("sweep", "each parameter swept once", name)
        grid[name] = parts
    return grid


def grid_points(
    base: Mapping[str, Any], grid: Mapping[str, Sequence[Any]]
) -> Iterator[dict[str, Any]]:
    names = list(grid)
    for combo in itertools.product(*(grid[n] for n in names)):
        yield {**base, **dict(zip(names, combo))}


def _store_env() -> dict[str, str]:
    store = get_store()
    env = {"MLOPS_TRACKING_URI": store.tracking_uri, "MLOPS_BLOB_ROOT": store.blobs.url}
    home = config.resolve().home
    if home is not None:
        env["MLOPS_HOME"] = str(home)
    return env


_env_lock = threading.Lock()


def run_point(
    folder: str,
    params: dict[str, Any],
    parent_run_id: str,
    store_env: dict[str, str],
    force: bool,
    retries: int,
    timeout: float | None,
) -> PipelineResult:
    """One sweep point, in a worker process (picklable, module-level)."""
    with _env_lock:
        os.environ.update(store_env)
        os.environ.pop("MLOPS_ATTACH_RUN_ID", None)
        return run_pipeline(
            folder,
            params,
            force=force,
            retries=retries,
            timeout=timeout,
            parent=parent_run_id,
        )


def run_sweep(
    pipeline: str | os.PathLike | PipelineSpec,
    grid: Mapping[str, Sequence[Any]],
    params: Mapping[str, Any] | None = None,
    *,
    params_file: str | os.PathLike | None = None,
    workers: int = 2,
    cluster: str | None = None,
    force: bool = False,
    retries: int = 0,
    timeout: float | None = None,
    progress: bool = True,
) -> SweepResult:
    """Run every point of ``grid`` (a product of value lists) under one parent run."""
    if not grid:
        raise InvalidArgument("sweep", "at least one NAME=V1,V2,... to sweep")
    if not isinstance(workers, int) or workers < 1:
        raise InvalidArgument("workers", "an integer >= 1", workers)
    spec, base, _, _, notes = prepare(pipeline, params, params_file)
    for w in notes:
        warnings.warn(w, stacklevel=2)
    points = [check_values(spec.parameters, p) for p in grid_points(base, grid)]
    parent = start_run(
        f"{spec.name}-sweep",
        experiment=spec.experiment,
        params={"sweep": ", ".join(f"{k}={','.join(map(str, v))}" for k, v in grid.items())},
        tags={"mlops.pipeline": spec.name, "mlops.pipeline.sweep": len(points)},
        parent=None,
    )
    env = _store_env()
    args = [(str(spec.folder), p, parent.id, env, force, retries, timeout) for p in points]
    results: list[PipelineResult] = []
    try:
        if cluster:
            results = _on_cluster(cluster, args, progress)
        else:
            results = _on_processes(min(workers, len(points)), args, progress)
    except BaseException as exc:
        parent.end_with(exc, error=f"sweep stopped: {type(exc).__name__}: {exc}")
        raise
    order = {repr(sorted(p.items())): i for i, p in enumerate(points)}
    results.sort(key=lambda r: order.get(repr(sorted(r.params.items())), 0))
    failed = [r for r in results if not r.ok]
    parent.log_metrics({"points": len(results), "points_failed": len(failed)})
    parent.end(
        RunStatus.FAILED if failed else RunStatus.FINISHED,
        error=f"{len(failed)} of {len(results)} points failed" if failed else None,
    )
    return SweepResult(spec.name, parent.id, tuple(results))


def _on_processes(workers: int, args: list[tuple], progress: bool) -> list[PipelineResult]:
    # spawn: the parent holds threads (heartbeats) and database connections a fork would copy.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(run_point, *a) for a in args]
        bar = tqdm(total=len(futures), unit="point", desc="sweep", disable=not progress)
        out = []
        with bar:
            for fut in as_completed(futures):
                out.append(fut.result())
                bar.update(1)
        return out


def _on_cluster(address: str, args: list[tuple], progress: bool) -> list[PipelineResult]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise InvalidArgument(
            "cluster", "dask.distributed installed (pip install 'jupyter-mlops[cluster]')", address
        ) from None
    if get_store().db.is_sqlite:
        warnings.warn(
            "the store is a local SQLite file: workers on other machines cannot reach it; "
            "set MLOPS_TRACKING_URI to a PostgreSQL URL",
            stacklevel=3,
        )
    with Client(address) as client:
        futures = [client.submit(run_point, *a, pure=False) for a in args]
        out = []
        bar = tqdm(total=len(futures), unit="point", desc="sweep", disable=not progress)
        with bar:
            for fut in dask_completed(futures):
                out.append(fut.result())
                bar.update(1)
        return out
