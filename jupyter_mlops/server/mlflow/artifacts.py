"""MLflow's artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``): upload, download, list.

Runs created through MLflow report ``artifact_uri`` =
``mlflow-artifacts:/<experiment_id>/<run_id>/artifacts``, so ``mlflow.log_artifact``,
``log_text``, ``log_figure`` and ``log_model`` send their files here. The core
(:mod:`jupyter_mlops.tracking.mlflow_artifacts`) maps a path to the run's
artifact of that name, checks the name like every artifact name and keeps the
bytes in the content-addressed blob store; nothing here touches a file.
"""

from __future__ import annotations

from ...tracking import mlflow_artifacts as core
from .base import MlflowMixin

PREFIX = "/api/2.0/mlflow-artifacts/artifacts"
CHUNK = 1 << 20


class ArtifactHandler(MlflowMixin):
    """``PUT`` stores the request body as the named artifact; ``GET`` streams it back."""

    async def on_put(self, path: str) -> None:
        await self.call(core.upload, path, self.request.body)
        self.mlflow_reply({})

    async def on_get(self, path: str) -> None:
        info, stream = await self.call(core.open_artifact, path)
        try:
            self.set_header("Content-Type", info.media_type or "application/octet-stream")
            self.set_header("Content-Length", str(info.size))
            while chunk := await self.call(stream.read, CHUNK):
                self.write(chunk)
                await self.flush()
        finally:
            stream.close()
        self.finish()


class ArtifactListHandler(MlflowMixin):
    """``GET ?path=<experiment_id>/<run_id>/artifacts[/<folder>]``: ``{"files": [...]}``."""

    async def on_get(self) -> None:
        path = self.mlflow_args().str("path", required=True)
        files = await self.call(core.listing, path)
        self.mlflow_reply({"files": files} if files else {})


ROUTES = [
    (PREFIX, ArtifactListHandler),
    (PREFIX + "/(.*)", ArtifactHandler),
]
