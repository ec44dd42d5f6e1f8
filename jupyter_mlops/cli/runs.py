"""``jupyter mlops runs list|show|compare``."""

from __future__ import annotations

import click
import pandas as pd

from .. import tracking
from ..tracking.compare import compare_runs
from .output import echo_json, fmt, frame_table, jsonable, table


def register(main: click.Group) -> None:
    main.add_command(runs)


@click.group()
def runs() -> None:
    """Tracked runs."""


@runs.command("list")
@click.option("--experiment", "-e", multiple=True, help="Only these experiments (repeatable).")
@click.option("--filter", "filter_", help="e.g. \"metrics.acc > 0.9 and params.model = 'rf'\".")
@click.option("--order-by", multiple=True, help="e.g. 'metrics.acc DESC' (repeatable).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
def list_runs(experiment, filter_, order_by, limit, as_json) -> None:
    """List runs, newest first."""
    frame = tracking.search_runs(
        experiment=list(experiment) or None,
        filter=filter_,
        order_by=list(order_by) or None,
        limit=limit,
    )
    if as_json:
        echo_json(frame.to_dict(orient="records"))
        return
    if frame.empty:
        click.echo("no runs")
        return
    shown = frame.copy()
    shown["run_id"] = shown["run_id"].str[:8]
    metric_cols = [c for c in frame.columns if c.startswith("metrics.")][:4]
    click.echo(
        frame_table(shown, ["run_id", "name", "experiment", "status", "start_time", *metric_cols])
    )


@runs.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
def show_run(run_id, as_json) -> None:
    """Everything recorded for one run (a unique id prefix works)."""
    data = tracking.get_run(run_id)
    info = data.info
    record = {
        "run_id": info.run_id,
        "name": info.name,
        "experiment": info.experiment,
        "status": info.status.value,
        "start_time": _iso(info.start_time),
        "end_time": _iso(info.end_time),
        "user": info.user,
        "host": info.host,
        "source_type": info.source_type,
        "source_path": info.source_path,
        "git_commit": info.git_commit,
        "git_branch": info.git_branch,
        "git_dirty": info.git_dirty,
        "parent_run_id": info.parent_run_id,
        "error": info.error,
        "params": data.params,
        "metrics": data.metrics,
        "tags": data.tags,
        "artifacts": [{"name": a.name, "size": a.size, "digest": a.digest} for a in data.artifacts],
        "context": info.context,
    }
    if as_json:
        echo_json(record)
        return
    for key in (
        "run_id",
        "name",
        "experiment",
        "status",
        "start_time",
        "end_time",
        "user",
        "host",
        "source_type",
        "source_path",
        "git_commit",
        "git_branch",
        "git_dirty",
        "parent_run_id",
    ):
        click.echo(f"{key + ':':15} {fmt(record[key])}")
    if info.error:
        click.echo("error:\n  " + info.error.strip().replace("\n", "\n  "))
    for title, mapping in (("params", data.params), ("metrics", data.metrics), ("tags", data.tags)):
        if mapping:
            click.echo(f"\n{title}:")
            click.echo(table(sorted(mapping.items()), ["key", "value"], max_width=80))
    if data.artifacts:
        click.echo("\nartifacts:")
        click.echo(
            table(
                [(a.name, a.size, a.digest[:12]) for a in data.artifacts],
                ["name", "bytes", "sha256"],
            )
        )


@runs.command("compare")
@click.argument("run_ids", nargs=-1, required=True)
@click.option("--all", "show_all", is_flag=True, help="Show rows that are equal across runs too.")
@click.option("--json", "as_json", is_flag=True)
def compare(run_ids, show_all, as_json) -> None:
    """Params and metrics of several runs side by side; differing rows first."""
    frame = compare_runs(list(run_ids), only_differences=not show_all)
    if as_json:
        echo_json(
            {"runs": list(frame.columns[2:]), "rows": jsonable(frame.to_dict(orient="records"))}
        )
        return
    if frame.empty:
        click.echo("the runs do not differ in params or metrics (use --all to see them)")
        return
    click.echo(frame_table(frame))


def _iso(ts: float | None) -> str | None:
    return None if ts is None else pd.Timestamp(ts, unit="s", tz="UTC").isoformat()
