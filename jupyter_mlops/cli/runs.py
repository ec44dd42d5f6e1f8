"""``jupyter mlops runs list|show|compare|delete|restore``, ``experiments list``,
``artifacts list|get`` and ``gc``."""

from __future__ import annotations

import click
import pandas as pd

from .. import tracking
from ..errors import InvalidArgument
from ..tracking.api import experiment_summaries
from ..tracking.compare import compare_runs
from ..tracking.search import RUN_COLUMNS
from .output import echo_json, fmt, frame_table, jsonable, table

_DEFAULT_COLUMNS = ["run_id", "name", "experiment", "status", "start_time", "child_runs"]


def register(main: click.Group) -> None:
    for command in (runs, experiments, artifacts, gc):
        main.add_command(command)


@click.group()
def runs() -> None:
    """Tracked runs."""


@runs.command("list")
@click.option("--experiment", "-e", multiple=True, help="Only these experiments (repeatable).")
@click.option("--filter", "filter_", help="e.g. \"metrics.acc > 0.9 and params.model = 'rf'\".")
@click.option("--order-by", multiple=True, help="e.g. 'metrics.acc DESC' (repeatable).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--all", "with_children", is_flag=True, help="Child runs too (nested, searches).")
@click.option("--deleted", is_flag=True, help="Deleted runs too (until gc removes them).")
@click.option("--columns", help="Comma-separated, e.g. 'metrics.roc_auc,params.C'.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
def list_runs(experiment, filter_, order_by, limit, with_children, deleted, columns, as_json):
    """List top-level runs, newest first, with their number of child runs."""
    frame = tracking.search_runs(
        experiment=list(experiment) or None,
        filter=filter_,
        order_by=list(order_by) or None,
        limit=limit,
        children=with_children,
        deleted=deleted,
    )
    wanted = _columns(columns, frame)
    if as_json:
        shown = frame if columns is None else frame.reindex(columns=["run_id", *wanted])
        echo_json(shown.to_dict(orient="records"))
        return
    if frame.empty:
        click.echo("no runs")
        return
    if columns is None:
        metric_cols = [c for c in frame.columns if c.startswith("metrics.")][:4]
        wanted = [*_DEFAULT_COLUMNS, *(["lifecycle"] if deleted else []), *metric_cols]
    shown = frame.reindex(columns=list(dict.fromkeys(["run_id", *wanted])))
    shown["run_id"] = shown["run_id"].str[:8]
    click.echo(frame_table(shown.rename(columns={"child_runs": "children"})))


def _columns(text: str | None, frame: pd.DataFrame) -> list[str]:
    """The columns asked for: run attributes or ``metrics.K``/``params.K``/``tags.K``."""
    if text is None:
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = set(frame.columns) | set(RUN_COLUMNS)
    for name in names:
        if name not in known and not name.startswith(("metrics.", "params.", "tags.")):
            raise InvalidArgument(
                "--columns",
                "comma-separated run columns or metrics.K, params.K, tags.K; columns: "
                + ", ".join(RUN_COLUMNS),
                name,
            )
    if not names:
        raise InvalidArgument("--columns", "at least one column name", text)
    return names


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
        "lifecycle": info.lifecycle,
        "error": info.error,
        "params": data.params,
        "metrics": data.metrics,
        "tags": data.tags,
        "artifacts": [{"name": a.name, "size": a.size, "digest": a.digest} for a in data.artifacts],
        "context": info.context,
    }
    if as_json:
        echo_json(record)
    else:
        _echo_run(record, data)


_SHOWN = (
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
    "lifecycle",
)


def _echo_run(record: dict, data) -> None:
    for key in _SHOWN:
        click.echo(f"{key + ':':15} {fmt(record[key])}")
    if data.info.error:
        click.echo("error:\n  " + data.info.error.strip().replace("\n", "\n  "))
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


@runs.command("delete")
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@click.option("--reason", help="Why (kept in the events).")
def delete(run_ids, reason) -> None:
    """Delete runs and their child runs (restorable until `jupyter mlops gc`)."""
    deleted = tracking.delete_run(list(run_ids), reason=reason)
    click.echo(f"deleted {_count(deleted, 'run')}" + (": " + _ids(deleted) if deleted else ""))
    if deleted:
        click.echo("undo with: jupyter mlops runs restore " + " ".join(run_ids))


@runs.command("restore")
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@click.option("--reason", help="Why (kept in the events).")
def restore(run_ids, reason) -> None:
    """Restore deleted runs (and their child runs) that gc has not removed yet."""
    restored = tracking.restore_run(list(run_ids), reason=reason)
    click.echo(f"restored {_count(restored, 'run')}" + (": " + _ids(restored) if restored else ""))


@click.group()
def experiments() -> None:
    """Experiments and how many runs each holds."""


@experiments.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_experiments(as_json) -> None:
    """Every experiment: its top-level runs, all runs, the latest run's start."""
    rows = experiment_summaries()
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no experiments")
        return
    click.echo(
        table(
            [(r["name"], r["runs"], r["all_runs"], _when(r["last_run_at"])) for r in rows],
            ["experiment", "runs", "with children", "last run"],
        )
    )


@click.group()
def artifacts() -> None:
    """Files logged by runs: list or download them."""


@artifacts.command("list")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
def list_artifacts(run_id, as_json) -> None:
    """The artifacts of RUN_ID (a unique id prefix works)."""
    found = tracking.list_artifacts(run_id)
    if as_json:
        echo_json([{"name": a.name, "size": a.size, "digest": a.digest} for a in found])
        return
    click.echo(
        table([(a.name, a.size, a.digest[:12]) for a in found], ["name", "bytes", "sha256"])
        if found
        else "no artifacts"
    )


@artifacts.command("get")
@click.argument("run_id")
@click.argument("name")
@click.option(
    "--output", "-o", type=click.Path(), help="File or folder to write to (default: ./NAME)."
)
def get_artifact(run_id, name, output) -> None:
    """Download artifact NAME of RUN_ID (e.g. a failed pipeline's output notebook)."""
    path = tracking.download_artifact(run_id, name, output or ".")
    click.echo(str(path))


@click.command()
@click.option("--dry-run", is_flag=True, help="Report what would be removed; remove nothing.")
@click.option(
    "--older-than",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Only runs deleted at least this many days ago.",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=3600,
    show_default=True,
    help="Seconds during which a new blob is kept though nothing references it yet.",
)
@click.option("--json", "as_json", is_flag=True)
def gc(dry_run, older_than, grace, as_json) -> None:
    """Remove deleted runs for good and blobs nothing references any more."""
    report = tracking.collect_garbage(older_than=older_than * 86400, grace=grace, dry_run=dry_run)
    if as_json:
        echo_json(
            {
                "dry_run": report.dry_run,
                "runs_removed": report.runs_removed,
                "runs_kept": report.runs_kept,
                "blobs_removed": report.blobs_removed,
                "bytes_freed": report.bytes_freed,
                "blobs_kept_recent": report.blobs_kept_recent,
            }
        )
        return
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {_count(report.runs_removed, 'deleted run')} and "
        f"{report.blobs_removed} blob(s): {_size(report.bytes_freed)} "
        + ("to free" if dry_run else "freed")
    )
    for run_id, why in report.runs_kept.items():
        click.echo(f"kept deleted run {run_id[:8]}: {why}")
    if report.blobs_kept_recent:
        click.echo(f"kept {report.blobs_kept_recent} unreferenced blob(s) younger than {grace:g} s")


def _count(ids: list[str], what: str) -> str:
    return f"{len(ids)} {what}" + ("" if len(ids) == 1 else "s")


def _ids(ids: list[str]) -> str:
    return ", ".join(i[:8] for i in ids[:10]) + (
        f" (+{len(ids) - 10} more)" if len(ids) > 10 else ""
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value, units = n / 1024, ["KB", "MB", "GB", "TB"]
    while value >= 1024 and len(units) > 1:
        value, units = value / 1024, units[1:]
    return f"{value:.1f} {units[0]} ({n} bytes)"


def _when(ts: float | None) -> str:
    return "" if ts is None else pd.Timestamp(ts, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M")


def _iso(ts: float | None) -> str | None:
    return None if ts is None else pd.Timestamp(ts, unit="s", tz="UTC").isoformat()
