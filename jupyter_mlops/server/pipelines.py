"""Pipelines: list, promote a notebook, start a run in the background and report its state."""

from __future__ import annotations

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

import jupyter_mlops as mlops  # the core, loaded on first request: the server starts fast

from ..errors import InvalidArgument, MlopsError, NotFound
from .base import MlopsHandler, body_str, route


def notebook_path(root_dir: str, relative: str) -> Path:
    """A notebook path from the browser, kept inside the server's root folder."""
    if "\x00" in relative:
        raise InvalidArgument("notebook", "a notebook path without NUL bytes", relative)
    root = Path(root_dir).expanduser().resolve()
    path = (root / relative.lstrip("/")).resolve()
    if not path.is_relative_to(root):
        raise InvalidArgument(
            "notebook", "a notebook path inside the server's root folder", relative
        )
    if path.suffix != ".ipynb":
        raise InvalidArgument("notebook", "a path to an .ipynb notebook", relative)
    if not path.is_file():
        raise NotFound(f"notebook {relative!r} does not exist")
    return path


def shown_as(exc: MlopsError, absolute: Path, relative: str) -> MlopsError:
    """``exc`` showing ``relative`` where it showed ``absolute``.

    Both the whole path and the shortened repr ``InvalidArgument`` prints are
    replaced, so a message never gives away the server's folders.
    """
    text, full = str(exc), repr(str(absolute))
    for shown in (full, full[:77] + "...", str(absolute)):
        text = text.replace(shown, repr(relative) if shown != str(absolute) else relative)
    if text != str(exc):
        exc.args = (text,)
    return exc


def default_name(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]+", "-", path.stem).strip("-").lower() or "pipeline"


def promote(root_dir: str, body: dict[str, Any]) -> dict[str, Any]:
    path = notebook_path(root_dir, body_str(body, "notebook") or "")
    name = body_str(body, "name", required=False) or default_name(path)
    gates = body.get("gates") or ()
    if not isinstance(gates, (list, tuple)) or not all(isinstance(g, str) for g in gates):
        raise InvalidArgument("gates", "a list of conditions such as 'accuracy >= 0.9'", gates)
    try:
        result = mlops.promote_notebook(path, name, gates=list(gates), root=root_dir)
    except MlopsError as exc:
        shown_as(exc, path, str(path.relative_to(Path(root_dir).expanduser().resolve())))
        raise
    folder = Path(result.folder).resolve()
    root = Path(root_dir).expanduser().resolve()
    return {
        "name": result.name,
        "path": str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder),
        "parameters": [
            {"name": p.name, "type": p.type, "default": p.default}
            for p in result.parameters.values()
        ],
        "dropped": [{"index": d.index, "reason": d.reason} for d in result.dropped],
        "kept": result.kept,
        "origin_run_id": result.origin_run_id,
        "updated": result.updated,
        "summary": str(result),
    }


@dataclass
class Job:
    """A pipeline run started from the panel, running in a worker thread of the server."""

    id: str
    pipeline: str
    params: dict[str, Any]
    state: str = "queued"  # queued | running | finished | failed | error
    submitted_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    result: Any = None
    error: str | None = None


class Jobs:
    """Background pipeline runs of this server (kept in memory; the runs are in the store)."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlops-pipeline")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, name: str, params: dict[str, Any], root: str) -> Job:
        """Check everything a request can get wrong now (a 400/404), then run in the background.

        ``name`` is a pipeline name, never a path: it is looked up under the server's
        root and in the store, so a request cannot pick a folder elsewhere on the disk.
        """
        from ..pipeline.params import check_values
        from ..pipeline.spec import pipeline_by_name

        spec = pipeline_by_name(name, Path(root).expanduser())
        values = check_values(spec.parameters, params)
        job = Job(uuid.uuid4().hex, spec.name, values)
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, spec)
        return job

    def _run(self, job: Job, spec: Any) -> None:
        job.state = "running"
        try:
            result = mlops.run_pipeline(spec, job.params)
            job.result = result
            job.state = "finished" if result.ok else "failed"
        except Exception as exc:  # reported to the client through the job's state
            job.error = f"{type(exc).__name__}: {exc}"
            job.state = "error"
        finally:
            job.finished_at = time.time()

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"pipeline job {job_id!r} does not exist on this server")
        return job

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.submitted_at, reverse=True)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class PipelinesHandler(MlopsHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"pipelines": await self.call(mlops.list_pipelines)})


class PromoteHandler(MlopsHandler):
    """``POST /mlops/api/pipelines/promote`` with ``{"notebook": "path.ipynb", "name"?, "gates"?}``."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        self.reply(await self.call(promote, self.root_dir, self.json_body()), status=201)


class PipelineRunsHandler(MlopsHandler):
    """``POST /mlops/api/pipelines/<name>/runs`` with ``{"params": {...}}``: 202 and a job."""

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        params = self.json_body().get("params") or {}
        if not isinstance(params, dict):
            raise InvalidArgument("params", "an object of parameter names to values", params)
        job = await self.call(self.settings["mlops_jobs"].submit, name, params, self.root_dir)
        self.reply({"job": job}, status=202)


class JobsHandler(MlopsHandler):
    """``GET /mlops/api/pipelines/jobs``: the background runs started from this server."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"jobs": self.settings["mlops_jobs"].all()})


class JobHandler(MlopsHandler):
    """``GET /mlops/api/pipelines/jobs/<id>``: queued, running, finished, failed or error."""

    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.reply({"job": self.settings["mlops_jobs"].get(job_id)})


handlers = [
    (route("pipelines"), PipelinesHandler),
    (route("pipelines/promote"), PromoteHandler),
    (route("pipelines/jobs"), JobsHandler),
    (route(r"pipelines/jobs/(?P<job_id>[0-9a-f]+)"), JobHandler),
    (route(r"pipelines/(?P<name>[^/]+)/runs"), PipelineRunsHandler),
]
