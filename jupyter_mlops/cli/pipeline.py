"""``jupyter mlops promote`` and ``jupyter mlops pipeline run|ci|verify|list``."""

from __future__ import annotations

import dataclasses
import sys
import warnings

import click

from .. import pipeline as core
from ..pipeline.sweep import parse_sweep
from .output import echo_json, fmt, table


def register(main: click.Group) -> None:
    main.add_command(promote)
    main.add_command(pipeline)


@click.command()
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--name", "-n", required=True, help="Pipeline name (a folder under pipelines/).")
@click.option(
    "--run",
    "run_id",
    help="The origin run (default: the first top-level run of the notebook's newest session).",
)
@click.option("--gate", "gates", multiple=True, help="e.g. 'accuracy >= 0.9' (repeatable).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per cell.")
@click.option("--json", "as_json", is_flag=True)
def promote(notebook, name, run_id, gates, timeout, as_json) -> None:
    """Promote NOTEBOOK to a parameterized pipeline in pipelines/NAME/."""
    result = core.promote_notebook(notebook, name, run=run_id, gates=gates, timeout=timeout)
    if as_json:
        echo_json(
            {
                "name": result.name,
                "folder": str(result.folder),
                "rule": result.rule,
                "parameters": {n: p.as_yaml() for n, p in result.parameters.items()},
                "dropped": [dataclasses.asdict(d) for d in result.dropped],
                "origin_run_id": result.origin_run_id,
            }
        )
        return
    click.echo(str(result))


@click.group()
def pipeline() -> None:
    """Promoted notebooks: run, sweep, CI workflows, reproduction checks."""


def _params(pairs) -> dict[str, str]:
    return {k: v for k, v in pairs}


def _show_warnings(caught) -> None:
    for w in caught:
        click.echo(f"Warning: {w.message}", err=True)


def _echo_result(result: core.PipelineResult) -> None:
    head = "reused" if result.cached else result.status.value
    click.echo(f"pipeline {result.pipeline}: {head}  run {result.run_id}")
    if result.cached:
        click.echo(
            "  unchanged since this successful run (notebook, parameters, inputs); "
            "--force runs it again"
        )
    for w in result.warnings:
        click.echo(f"Warning: {w}", err=True)
    if result.params:
        click.echo("  params: " + ", ".join(f"{k}={v!r}" for k, v in result.params.items()))
    if result.metrics:
        click.echo("  metrics: " + ", ".join(f"{k}={fmt(v)}" for k, v in result.metrics.items()))
    for g in result.gates:
        click.echo(
            f"  gate {g.gate}: {'passed' if g.passed else 'FAILED'} (observed {fmt(g.observed)})"
        )
    if result.failure is not None:
        click.echo(str(result.failure), err=True)
    elif result.error:
        click.echo(f"Error: {result.error}", err=True)
    _echo_changes(result)
    if result.attempts > 1:
        click.echo(f"  attempts: {result.attempts}")
    if result.output_path:
        click.echo(f"  output notebook: {result.output_path}")


def _echo_changes(result: core.PipelineResult) -> None:
    """Every registry change the run made (or, in a dry run, would have made)."""
    if result.cached:
        return
    if not result.registry_changes:
        click.echo("  registry: no changes" + (" (dry run)" if result.dry_run else ""))
        return
    head = "  registry (dry run, nothing changed):" if result.dry_run else "  registry:"
    click.echo(head)
    for change in result.registry_changes:
        click.echo(f"    {change}")


def _result_json(result: core.PipelineResult) -> dict:
    out = dataclasses.asdict(result)
    out["status"] = result.status.value
    out["ok"] = result.ok
    return out


@pipeline.command("run")
@click.argument("name")
@click.option(
    "-p",
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="A parameter, converted by its declared type (repeatable).",
)
@click.option("-f", "--params-file", type=click.Path(dir_okay=False), help="YAML parameters.")
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    metavar="NAME=V1,V2",
    help="Sweep a parameter over values (repeatable: a grid).",
)
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--cluster", help="A Dask scheduler address; points run there.")
@click.option("--force", is_flag=True, help="Run even when an unchanged successful run exists.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Register no model and move no alias: show what the notebook would change.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Re-run this many times when the kernel dies.",
)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per cell.")
@click.option("--kernel", help="Kernel name (default: the notebook's).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write the output notebook here."
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.option("--json", "as_json", is_flag=True)
def run_cmd(
    name,
    params,
    params_file,
    sweeps,
    workers,
    cluster,
    force,
    retries,
    timeout,
    kernel,
    output,
    progress,
    as_json,
    dry_run,
) -> None:
    """Run pipeline NAME (exit 1 when a cell fails or a gate is not met).

    The summary lists every registry change the notebook made (versions
    registered, aliases moved); with --dry-run it lists what it would make.
    """
    if dry_run and sweeps:
        raise click.UsageError("--dry-run runs one pipeline, not a --sweep")
    show = sys.stderr.isatty() if progress is None else progress
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        common = dict(
            params_file=params_file, force=force, retries=retries, timeout=timeout, progress=show
        )
        if sweeps:
            sweep = parse_sweep(sweeps)
            result = core.run_sweep(
                name, sweep, _params(params), workers=workers, cluster=cluster, **common
            )
        else:
            result = core.run_pipeline(
                name, _params(params), kernel=kernel, output=output, dry_run=dry_run, **common
            )
    _show_warnings(caught)
    if isinstance(result, core.SweepResult):
        _echo_sweep(result, as_json)
    elif as_json:
        echo_json(_result_json(result))
    else:
        _echo_result(result)
    if not result.ok:
        sys.exit(1)


def _echo_sweep(result, as_json: bool) -> None:
    if as_json:
        echo_json(
            {
                "parent_run_id": result.parent_run_id,
                "ok": result.ok,
                "points": [_result_json(p) for p in result.points],
            }
        )
        return
    headers, rows = result.table()
    click.echo(f"sweep of {result.pipeline}: parent run {result.parent_run_id}")
    click.echo(table(rows, headers))
    for p in result.points:
        if p.failure is not None:
            click.echo(f"run {p.run_id[:8]}: {p.failure}", err=True)


@pipeline.command("ci")
@click.argument("name")
@click.option("--schedule", help="Also run on this cron schedule, e.g. '0 6 * * 1'.")
@click.option("--python", "python_version", default="3.11", show_default=True)
@click.option(
    "--install",
    default='pip install -e ".[postgres]"',
    show_default=True,
    help="The install command of the job.",
)
def ci_cmd(name, schedule, python_version, install) -> None:
    """Write .github/workflows/mlops-NAME.yml that runs the pipeline in CI."""
    path = core.write_workflow(name, schedule=schedule, python=python_version, install=install)
    click.echo(f"wrote {path}")


@pipeline.command("verify")
@click.argument("name")
@click.option("--rtol", type=click.FloatRange(min=0), help="Relative tolerance.")
@click.option("--atol", type=click.FloatRange(min=0), help="Absolute tolerance.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per cell.")
@click.option(
    "--dry-run/--no-dry-run",
    default=True,
    show_default=True,
    help="Only show the registry changes the re-run would make (--no-dry-run makes them).",
)
@click.option("--json", "as_json", is_flag=True)
def verify_cmd(name, rtol, atol, timeout, dry_run, as_json) -> None:
    """Re-run NAME with its origin run's parameters; exit 1 when a metric differs.

    The re-run registers no model and moves no alias unless --no-dry-run.
    """
    result = core.verify_pipeline(name, rtol=rtol, atol=atol, timeout=timeout, dry_run=dry_run)
    if as_json:
        echo_json(
            {
                "pipeline": result.pipeline,
                "origin_run_id": result.origin_run_id,
                "run": _result_json(result.run),
                "checks": [dataclasses.asdict(c) for c in result.checks],
                "pairs": [list(p) for p in result.pairs],
                "ok": result.ok,
            }
        )
    else:
        click.echo(
            f"verify {result.pipeline}: origin run {result.origin_run_id[:8]}, "
            f"re-run {result.run.run_id[:8]} ({result.run.status.value}); "
            f"rtol={result.rtol:g} atol={result.atol:g}"
        )
        headers = ["metric", "origin", "re-run", "diff", "tolerance", "verdict"]
        rows = [
            [c.metric, c.origin, c.rerun, c.diff, c.tolerance, "ok" if c.ok else "DIFFERS"]
            for c in result.checks
        ]
        if any(c.run for c in result.checks):
            headers = ["run", *headers]
            rows = [[c.run, *row] for c, row in zip(result.checks, rows, strict=True)]
        if rows:
            click.echo(table(rows, headers))
        if result.run.failure is not None:
            click.echo(str(result.run.failure), err=True)
        _echo_changes(result.run)
        click.echo("reproduced" if result.ok else "NOT reproduced")
    if not result.ok:
        sys.exit(1)


@pipeline.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_cmd(as_json) -> None:
    """Promoted pipelines recorded in the store."""
    found = core.list_pipelines()
    if as_json:
        echo_json([dataclasses.asdict(p) for p in found])
        return
    if not found:
        click.echo("no pipelines; promote one: jupyter mlops promote NOTEBOOK --name NAME")
        return
    rows = [
        [p.name, ", ".join(p.parameters), "; ".join(p.gates), (p.origin_run_id or "")[:8], p.path]
        for p in found
    ]
    click.echo(table(rows, ["name", "parameters", "gates", "origin", "folder"], max_width=60))
