"""jupyter_server extension: REST handlers over the core under ``/mlops/api/``."""

from __future__ import annotations


def _load_jupyter_server_extension(server_app) -> None:
    server_app.log.info("jupyter_mlops server extension loaded (no routes yet)")
