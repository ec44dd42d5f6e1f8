"""``jupyter mlops labels add`` (late labels) and ``jupyter mlops monitor list|show|run|ci``."""

from __future__ import annotations

import click

from .output import echo_json


@click.group()
def labels() -> None:
    """Late labels: the true outcome of served predictions, joined by prediction id."""


@labels.command("add")
@click.argument("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--id-column", default=None,
              help="Column of prediction ids.  [default: id, else prediction_id]")  # fmt: skip
@click.option("--label-column", default="label", show_default=True, help="Column of labels.")
@click.option("--replace", is_flag=True, help="Overwrite labels the ids already have.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def add(model, file, id_column, label_column, replace, as_json) -> None:
    """Add the labels in FILE (CSV or Parquet) to MODEL's logged predictions: all or none."""
    from ..data.frames import read_file
    from ..monitor import log_labels

    frame = read_file(file).to_pandas()
    done = log_labels(model, frame, id_column=id_column, label_column=label_column, replace=replace)
    if as_json:
        echo_json({"model": done.model, "added": done.added, "replaced": done.replaced,
                   "skipped": done.skipped})  # fmt: skip
        return
    skipped = (f", {done.skipped} skipped (not in the log: sampled out or dropped)"
               if done.skipped else "")  # fmt: skip
    click.echo(f"{done.added + done.replaced} labels for {done.model}: "
               f"{done.added} added, {done.replaced} replaced{skipped}")  # fmt: skip


@click.group()
def monitor() -> None:
    """Monitors of served models: drift and performance of each closed window."""


def _describe(info) -> str:
    rules = [f"drift share >= {info.drift['share']}"] if info.drift.get("share") else []
    rules += list(info.performance)
    last = "never run" if info.last_checked_at is None else f"{info.n_checks} checks"
    alerts = f", {info.n_alerts} alerting" if info.n_alerts else ""
    return (f"{info.name}: {info.model} against {info.reference}; "
            f"alerts on {'; '.join(rules) or 'nothing'} ({last}{alerts})")  # fmt: skip


@monitor.command("list")
@click.option("--model", help="Only the monitors of this model.")
@click.option("--json", "as_json", is_flag=True, help="Print the monitors as JSON.")
def list_cmd(model, as_json) -> None:
    """Declared monitors."""
    from ..monitor import list_monitors

    found = list_monitors(model)
    if as_json:
        echo_json([m.to_dict() for m in found])
        return
    for info in found:
        click.echo(_describe(info))
    if not found:
        click.echo("no monitors: declare one with mlops.monitor(NAME, model=..., reference=...)")


@monitor.command("show")
@click.argument("name")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="The newest checks shown.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the monitor and its checks as JSON.")
def show_cmd(name, limit, as_json) -> None:
    """A monitor's terms and its newest checks."""
    from ..monitor import get_monitor, monitor_history

    info = get_monitor(name)
    history = monitor_history(name, limit=limit)
    if as_json:
        echo_json({"monitor": info.to_dict(), "checks": history.to_dict(orient="records")})
        return
    click.echo(_describe(info))
    if info.on_alert:
        click.echo(f"on alert: {info.on_alert} (stored; nothing acts on it yet)")
    for row in history.itertuples():
        share = "-" if row.drift_share != row.drift_share else f"{row.drift_share:.0%}"
        click.echo(f"  {row.closed_at:%Y-%m-%d %H:%M:%S} {row.window_id} rows={row.n_rows} "
                   f"labels={row.n_labels} drift={share} {row.verdict.upper()}")  # fmt: skip


@monitor.command("run")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def run_cmd(ctx, name, as_json) -> None:
    """Check the windows closed since the last check (every monitor without NAME); exit 1 on an alert."""
    from ..monitor import run_monitor

    result = run_monitor(name)
    runs = [result] if name is not None else result
    if as_json:
        echo_json([r.to_dict() for r in runs])
    else:
        for r in runs:
            click.echo(r.summary())
        if not runs:
            click.echo("no monitors to run")
    if any(r.alerted for r in runs):
        ctx.exit(1)


@monitor.command("ci")
@click.argument("name")
@click.option("--schedule", default="0 * * * *", show_default=True, help="Cron schedule.")
@click.option("--python", "python_version", default="3.11", show_default=True)
@click.option("--install", default='pip install -e ".[postgres]"', show_default=True,
              help="The install command of the job.")  # fmt: skip
def ci_cmd(name, schedule, python_version, install) -> None:
    """Write .github/workflows/mlops-monitor-NAME.yml that runs the monitor on a schedule."""
    from ..monitor.ci import write_monitor_workflow

    path = write_monitor_workflow(name, schedule=schedule, python=python_version, install=install)
    click.echo(f"wrote {path}")
