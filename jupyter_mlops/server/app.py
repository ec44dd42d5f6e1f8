"""The jupyter_server extension application: settings as traitlets, routes as a list."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Unicode

from .. import config
from . import events, models, monitors, pipelines, run_pages, runs, settings, snapshots


def all_handlers() -> list[tuple]:
    """Every route of the REST API, one module per resource."""
    return [
        *settings.handlers,
        *runs.handlers,
        *run_pages.handlers,
        *events.handlers,
        *snapshots.handlers,
        *models.handlers,
        *pipelines.handlers,
        *monitors.handlers,
    ]


class MlopsApp(ExtensionApp):
    """REST API over the jupyter-mlops core under ``/mlops/api/``.

    The store defaults to the embedded one found from the server's root folder
    (``.mlops/`` upward, like ``.git``). It is exported through the
    environment so that kernels started by this server log to the same store.
    """

    name = "jupyter_mlops"

    tracking_uri = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the store (default: MLOPS_TRACKING_URI, else the embedded SQLite).",
    )
    blob_root = Unicode(
        "", config=True, help="fsspec URL or folder for blobs (default: MLOPS_BLOB_ROOT)."
    )
    home = Unicode("", config=True, help="The .mlops folder (default: MLOPS_HOME, else found).")
    refresh_interval = Float(
        5.0, config=True, help="Suggested seconds between the side panel's refreshes."
    )

    def initialize_settings(self) -> None:
        for env, value in (
            ("MLOPS_TRACKING_URI", self.tracking_uri),
            ("MLOPS_BLOB_ROOT", self.blob_root),
            ("MLOPS_HOME", self.home),
        ):
            if value:
                os.environ[env] = value
        if not any(os.environ.get(k) for k in ("MLOPS_HOME", "MLOPS_TRACKING_URI")):
            root = Path(self.serverapp.root_dir).expanduser()
            os.environ["MLOPS_HOME"] = str(config.find_home(root))
        # Kernels started by this server build "open in Lab" links from it (tracking/display.py).
        os.environ["MLOPS_LAB_BASE_URL"] = self.serverapp.base_url
        self.jobs = pipelines.Jobs()
        self.settings.update(
            {"mlops_refresh_interval": self.refresh_interval, "mlops_jobs": self.jobs}
        )
        self.log.info("jupyter_mlops: store %s", config.resolve().tracking_uri)

    def initialize_handlers(self) -> None:
        from .mlflow import mlflow_routes

        self.handlers.extend(all_handlers())
        self.handlers.extend(mlflow_routes())  # MLflow's REST API under /mlops/mlflow

    async def stop_extension(self) -> None:
        self.jobs.shutdown()
