"""``jupyter mlops tracking-server``: MLflow's tracking API over this store, outside Jupyter."""

from __future__ import annotations

import asyncio

import click


@click.command("tracking-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token",
    "token",
    flag_value="__generate__",
    default=None,
    help="Require a bearer token (MLFLOW_TRACKING_TOKEN); a new one is printed.",
)
def tracking_server(host: str, port: int, token: str | None) -> None:
    """Serve MLflow's tracking REST API over this store (MLFLOW_TRACKING_URI=http://HOST:PORT)."""
    from ..server.mlflow import app

    if token == "__generate__":
        token = app.new_token()
        click.echo(f"MLFLOW_TRACKING_TOKEN={token}")
    click.echo(f"MLFLOW_TRACKING_URI=http://{host}:{port}")
    try:
        asyncio.run(app.serve(host, port, token))
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
