"""``jupyter mlops snapshot PATH NAME``, ``snapshots list|show``, ``validate``, ``drift``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .output import echo_json, frame_table, jsonable, table


def register(main: click.Group) -> None:
    main.add_command(snapshot_cmd)
    main.add_command(snapshots)
    main.add_command(validate_cmd)
    main.add_command(drift_cmd)


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _side(value: str):
    """A file path when such a file exists, else a snapshot reference."""
    from ..data.frames import read_file

    return read_file(value) if Path(value).is_file() else value


def _write_json(path: str, payload: dict) -> None:
    Path(path).write_text(json.dumps(jsonable(payload), indent=2, default=str))


@click.command("snapshot")
@click.argument("path")
@click.argument("name")
@click.option(
    "--keep",
    type=click.Choice(["copy", "reference"]),
    default=None,
    help="Copy the data into the store, or record the files only "
    "(default: copy up to MLOPS_SNAPSHOT_COPY_LIMIT, 1 GB).",
)
@click.option("-d", "--description", default=None, help="Free text kept with the snapshot.")
@click.option("--json", "as_json", is_flag=True, help="Print the snapshot as JSON (for CI).")
def snapshot_cmd(path, name, keep, description, as_json) -> None:
    """Snapshot the Parquet or CSV files at PATH (a file, a directory or an fsspec URL) as NAME."""
    from ..data.snapshot import snapshot

    info = snapshot(path, name, run=False, keep=keep, description=description)
    if as_json:
        echo_json(_record(info))
        return
    click.echo(
        f"{info.ref}: {info.n_rows} rows, {info.n_columns} columns, kept by {info.storage} "
        f"({info.data_size} bytes), fingerprint {info.fingerprint[:12]}"
    )


@click.group()
def snapshots() -> None:
    """Stored data snapshots."""


@snapshots.command("list")
@click.argument("name", required=False)
@click.option("--latest", is_flag=True, help="Only the newest version of each name.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
def list_cmd(name, latest, as_json) -> None:
    """List snapshots (of NAME), newest version first."""
    from .. import data

    infos = data.list_snapshots(name, all_versions=not latest)
    if as_json:
        echo_json([_record(i) for i in infos])
        return
    if not infos:
        click.echo("no snapshots")
        return
    rows = [
        (i.ref, i.id, i.n_rows, i.n_columns, i.fingerprint[:12], _iso(i.created_at), i.user)
        for i in infos
    ]
    click.echo(table(rows, ["snapshot", "id", "rows", "columns", "fingerprint", "created", "user"]))


def _record(info) -> dict:
    record = info.to_dict()
    record["has_expectations"] = record.pop("expectations") is not None
    return record


@snapshots.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
def show_cmd(ref, as_json) -> None:
    """One snapshot: schema, column profile, the runs that read it, its expectations."""
    from .. import data

    info = data.get_snapshot(ref)
    summary = data.get_profile(info).summary()
    runs = data.runs_of_snapshot(info)
    if as_json:
        record = _record(info)
        record["profile"] = summary.to_dict(orient="records")
        record["runs"] = runs
        record["expectations"] = info.expectations
        echo_json(record)
        return
    click.echo(f"{info.ref}  (id {info.id})")
    click.echo(f"  rows {info.n_rows}, columns {info.n_columns}, parquet {info.data_size} bytes")
    click.echo(f"  fingerprint {info.fingerprint}")
    click.echo(f"  created {_iso(info.created_at)} by {info.user}")
    if info.description:
        click.echo(f"  {info.description}")
    click.echo("")
    click.echo(frame_table(summary))
    click.echo("")
    click.echo("read by runs: " + (", ".join(r[:8] for r in runs) if runs else "none"))
    click.echo("expectations: " + ("saved" if info.expectations else "none saved"))


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--against", required=True, help="Snapshot reference, e.g. train@latest.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write JSON here.")
def validate_cmd(file, against, json_path) -> None:
    """Validate a CSV or Parquet FILE; exit 1 when any expectation is violated."""
    from .. import data
    from ..data.frames import read_file

    report = data.validate(read_file(file), against=against)
    if json_path:
        _write_json(json_path, report.to_dict())
    if report.ok:
        click.echo(f"ok: {report.n_rows} rows meet the expectations of {report.against}")
        return
    click.echo(f"{len(report.violations)} violations of {report.against} in {report.n_rows} rows")
    click.echo(frame_table(report.violations))
    raise click.exceptions.Exit(1)


@click.command("drift")
@click.argument("reference")
@click.argument("current")
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False), help="Write the report as JSON."
)
@click.option("--column", "columns", multiple=True, help="Only these columns (repeatable).")
@click.option(
    "--drift-share",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.5,
    show_default=True,
    help="Share of drifted columns that makes the data set drifted.",
)
@click.option(
    "--missing",
    type=click.Choice(["ignore", "drift"]),
    default="ignore",
    show_default=True,
    help="Columns only in REFERENCE: reported but not counted, or counted as drifted.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["dataset", "column"]),
    default="dataset",
    show_default=True,
    help="Exit 1 when the data set drifted, or when any column drifted.",
)
def drift_cmd(reference, current, json_path, columns, drift_share, missing, fail_on) -> None:
    """Compare CURRENT to REFERENCE (snapshot refs or CSV/Parquet files); exit 1 on drift.

    The first line gives the verdict and its rule ("3 of 12 columns drifted,
    dataset drift needs 50%"); with --fail-on column any drifted column fails.
    """
    from ..data.drift import drift

    report = drift(
        _side(reference),
        _side(current),
        columns=list(columns) or None,
        drift_share=drift_share,
        labels=(reference, current),
        missing=missing,
        fail_on=fail_on,
    )
    if json_path:
        _write_json(json_path, report.to_dict())
    click.echo(f"{report.reference} -> {report.current}: {report.verdict} ({report.rule})")
    if report.failed and not report.drifted:
        click.echo(
            f"check failed (--fail-on column): {report.n_drifted} drifted: "
            + ", ".join(report.drifted_columns)
        )
    click.echo(
        frame_table(
            report.columns,
            ["column", "kind", "method", "statistic", "threshold", "drifted", "note"],
        )
    )
    if report.failed:
        raise click.exceptions.Exit(1)
