"""``jupyter mlops retrain PIPELINE --monitor NAME``: the retraining loop as one command for CI."""

from __future__ import annotations

import click

from .output import echo_json


@click.command("retrain")
@click.argument("pipeline")
@click.option("--monitor", "monitor_name", required=True, help="The monitor whose terms apply.")
@click.option("--data", help="A snapshot ref to train on (default: the newest labelled window).")
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def retrain_cmd(pipeline, monitor_name, data, dry_run, as_json) -> None:
    """Retrain with PIPELINE and promote the new model only if it wins; exit 1 unless promoted."""
    from ..monitor.retrain import RetrainFailed, retrain

    try:
        result = retrain(pipeline, monitor=monitor_name, data=data, dry_run=dry_run)
    except RetrainFailed as exc:
        if as_json:
            echo_json({"pipeline": pipeline, "monitor": monitor_name, "status": "failed",
                       "error": str(exc)})  # fmt: skip
        else:
            click.echo(f"Error: {exc}", err=True)
        click.get_current_context().exit(1)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(result.summary())
    if not (result.promoted or dry_run):
        click.get_current_context().exit(1)
