"""``jupyter mlops evaluate MODEL --data REF --target COL [--slice COL ...] [--json]``."""

from __future__ import annotations

import click

from .output import echo_json, table


def _rows(metrics: dict) -> list[tuple]:
    return [(k, e["value"], e["low"], e["high"], e.get("note", "")) for k, e in metrics.items()]


@click.command("evaluate")
@click.argument("model")
@click.option("--data", "-d", default="holdout@latest", show_default=True, help="Snapshot ref.")
@click.option("--target", "-t", required=True, help="The column holding the truth.")
@click.option("--slice", "-s", "slices", multiple=True, help="Slice by this column (repeatable).")
@click.option("--n-bootstrap", type=int, default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--trusted", is_flag=True, help="Load a pickle/joblib model version.")
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON.")
def evaluate_cmd(model, data, target, slices, n_bootstrap, seed, trusted, as_json) -> None:
    """Score MODEL (NAME@ALIAS or NAME/VERSION) on a snapshot, by slice with intervals."""
    from ..evaluation import evaluate

    ev = evaluate(
        model, data, target, list(slices), n_bootstrap=n_bootstrap, seed=seed, trusted=trusted
    )
    if as_json:
        echo_json(ev.to_dict())
        return
    head = ["metric", "value", "low", "high", "note"]
    click.echo(f"{ev.model} on {ev.snapshot} ({ev.n_rows} rows)")
    click.echo(table(_rows(ev.metrics), head))
    for column, rows in ev.slices.items():
        click.echo(f"\nby {column}")
        lines = [(r["value"], r["n"], *row) for r in rows for row in _rows(r["metrics"])]
        click.echo(table(lines, [column, "rows", *head]))
