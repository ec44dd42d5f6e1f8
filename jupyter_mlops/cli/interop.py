"""``jupyter mlops import ...``: bring what another tool recorded into this store."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import experiments, runs and models from another tracking tool (MLflow)."""


@import_group.command("mlflow")
@click.option(
    "--tracking-uri",
    required=True,
    help="MLflow tracking server (http://...) or store (sqlite:///mlflow.db, a folder).",
)
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    help="Import only this experiment (repeatable); all of them by default.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Unpickle MLflow sklearn models (runs their code) to re-register them as skops models.",
)
@click.option(
    "--include-running",
    is_flag=True,
    help="Import runs still RUNNING in MLflow as KILLED (skipped by default).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def mlflow_cmd(
    tracking_uri: str,
    experiments: tuple[str, ...],
    trust: bool,
    include_running: bool,
    as_json: bool,
) -> None:
    """Copy experiments, runs and registered models from MLflow; importing again adds nothing."""
    from ..interop.mlflow_import import import_mlflow

    report = import_mlflow(
        tracking_uri,
        list(experiments) or None,
        trust=trust,
        include_running=include_running,
        progress=not as_json,
    )
    if as_json:
        from .output import echo_json

        echo_json(report.to_dict())
    else:
        click.echo(report.summary())
